"""One training run: its model, optimizer and schedule built (or restored from a
checkpoint) up front, then trained epoch by epoch."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
from torch.optim import lr_scheduler

from ..optim.averaging import averages_weights, measuring, start_training
from ..optim.schedule import parse_scheduler
from ..optim.spec import OptimizerSpec
from ..optim.validation import too_large_for_dtype
from .checkpoint import load_checkpoint, pack, run_config, save_checkpoint, unpack
from .result import CURVE_COLUMNS, TrainingRun, as_curve
from .settings import TrainingSettings

OnBatch = Callable[[int], None]


def cast(
    pair: tuple[torch.Tensor, torch.Tensor], dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, ...]:
    """The pair on ``device``, with its floating-point tensors in ``dtype``."""
    return tuple((t.to(dtype) if t.is_floating_point() else t).to(device) for t in pair)


def _shuffle(n: int) -> torch.Tensor:
    """An epoch's order of ``n`` examples, drawn from the global generator exactly as
    ``torch.utils.data.DataLoader(..., shuffle=True)`` draws it, so that a plain
    DataLoader loop after ``torch.manual_seed(seed)`` sees the same batches."""
    torch.empty((), dtype=torch.int64).random_()  # the loader's worker base seed
    seed = int(torch.empty((), dtype=torch.int64).random_().item())  # the sampler's seed
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


class Loop:
    """One training run: built (or restored) up front, trained by `run`."""

    def __init__(
        self,
        settings: TrainingSettings,
        spec: OptimizerSpec,
        label: str,
        data: tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...] | None],
        path: Path | None,
    ) -> None:
        task, epochs, batch_size = settings.task, settings.epochs, settings.batch_size
        seed, scheduler, dtype = settings.seed, settings.scheduler, settings.dtype
        self.task, self.spec, self.label, self.path = task, spec, label, path
        self.epochs, self.batch_size = epochs, batch_size
        self.batches = math.ceil(task.examples / batch_size)
        factory = None
        if scheduler is not None:
            lengths = {"T_max": epochs, "total_steps": epochs * self.batches}
            factory = parse_scheduler(scheduler, lengths)
        self.config = run_config(task, label, seed, batch_size, dtype, scheduler, factory)
        keys = ("batch_size", "seed", "scheduler", "dtype")
        self.options = {"epochs": epochs, **{key: self.config[key] for key in keys}}
        self.train, self.validation = data
        # the same initial weights and data order for every optimizer
        torch.manual_seed(seed)
        model = task.model()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"task {task.name!r}: model() returned {type(model).__name__}")
        self.model = model.to(dtype).to(settings.device)  # drawn on the CPU: alike everywhere
        batch_norm = (torch.nn.modules.batchnorm._BatchNorm,)
        if task.examples % batch_size == 1 and any(
            isinstance(m, batch_norm) for m in model.modules()
        ):
            raise ValueError(
                f"batch_size={batch_size} leaves a last batch of one example out of "
                f"{task.examples}, which batch normalisation cannot train on; choose another"
            )
        self.optimizer = start_training(spec.build(self.model.parameters()))
        self.needs_closure = isinstance(self.optimizer, torch.optim.LBFGS) or getattr(
            self.optimizer, "needs_closure", False
        )
        self.scheduler = None if factory is None else factory(self.optimizer)
        self.per_batch_schedule = isinstance(
            self.scheduler, lr_scheduler.OneCycleLR | lr_scheduler.CyclicLR
        )
        self.epoch, self.examples, self.seconds = 0, 0, 0.0
        self.rows: list[dict[str, float]] = []
        self.diverged_at = -1
        # runs are built before any trains, so each keeps the generator it starts from
        self.rng = torch.get_rng_state()

    def restore(self) -> None:
        """Continue from the checkpoint at ``path``; a mismatch raises, changing nothing."""
        assert self.path is not None
        contents = load_checkpoint(self.path, self.config)
        self.rows, self.rng = unpack(
            contents, self.path, self.epochs, self.model, self.optimizer, self.scheduler
        )
        self.epoch, self.examples = int(contents["epoch"]), int(contents["examples"])
        self.seconds = float(contents["seconds"])

    # -- evaluation -------------------------------------------------------------
    def _measure(self, pair: tuple[torch.Tensor, ...] | None) -> tuple[float, float]:
        if pair is None:
            return math.nan, math.nan
        inputs, targets = pair
        with torch.no_grad():
            outputs = self.model(inputs)
            loss = float(self.task.loss(outputs, targets))
            if self.task.kind != "classification":
                return loss, math.nan
            accuracy = float((outputs.argmax(dim=-1) == targets).double().mean())
        return loss, accuracy

    def record(self, started: float) -> None:
        """Evaluate the model now and append a row to the curve."""
        self.model.eval()
        with measuring(self.optimizer):  # Schedule-Free: at the averaged weights
            train_loss, train_accuracy = self._measure(self.train)
            val_loss, val_accuracy = self._measure(self.validation)
        self.model.train()
        lr = self.optimizer.param_groups[0]["lr"]
        row = {
            "epoch": self.examples / self.task.examples,
            "examples": self.examples,
            "train_loss": train_loss,
            "train_accuracy": train_accuracy,
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
            "lr": float(lr.flatten()[0]) if isinstance(lr, torch.Tensor) else float(lr),
            "seconds": self.seconds + time.perf_counter() - started,
        }
        self.rows.append(row)
        if not math.isfinite(train_loss) and self.diverged_at < 0:
            self.diverged_at = self.examples

    # -- one epoch --------------------------------------------------------------
    def run_epoch(self, started: float, on_batch: OnBatch | None) -> None:
        inputs, targets = self.train
        every = self.task.evaluate_every
        order = _shuffle(self.task.examples)
        for first in range(0, self.task.examples, self.batch_size):
            index = order[first : first + self.batch_size]
            x, y = inputs[index], targets[index]

            def closure(x: torch.Tensor = x, y: torch.Tensor = y) -> torch.Tensor:
                self.optimizer.zero_grad()
                loss = self.task.loss(self.model(x), y)
                loss.backward()
                return loss.detach()

            with too_large_for_dtype(self.optimizer, self.train[0].dtype):
                if self.needs_closure:
                    finite = math.isfinite(float(self.optimizer.step(closure)))
                else:
                    finite = math.isfinite(float(closure()))
                    if finite:
                        self.optimizer.step()
            if self.per_batch_schedule:
                self.scheduler.step()
            before, self.examples = self.examples, self.examples + len(index)
            if on_batch is not None:
                on_batch(1)
            if not finite:
                self.record(started)
                self.diverged_at = before
                return
            if every is not None and self.examples // every > before // every:
                self.record(started)
                if self.diverged_at >= 0:
                    return
        self.epoch += 1
        if not self.rows or self.rows[-1]["examples"] != self.examples:
            self.record(started)  # the epoch ends between two evaluations
        row = self.rows[-1]
        if self.scheduler is not None and not self.per_batch_schedule:
            if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
                metric = row["val_loss"] if self.validation is not None else row["train_loss"]
                self.scheduler.step(metric)
            else:
                self.scheduler.step()

    # -- training ---------------------------------------------------------------
    def run(self, on_batch: OnBatch | None) -> TrainingRun:
        """Train the remaining epochs (none for a finished checkpoint), writing a
        checkpoint after each, and return the run."""
        torch.set_rng_state(self.rng)
        if on_batch is not None and self.epoch:
            on_batch(self.epoch * self.batches)
        started = time.perf_counter()
        if not self.rows:
            self.record(started)
        while self.epoch < self.epochs and self.diverged_at < 0:
            self.run_epoch(started, on_batch)
            if self.path is not None and self.diverged_at < 0:
                parts = self.model, self.optimizer, self.scheduler
                state = pack(self.config, self.epoch, self.examples, self.rows, *parts)
                save_checkpoint(self.path, state)
        if averages_weights(self.optimizer):
            self.optimizer.eval()  # the model handed back is the one the curve measured
        return TrainingRun(
            task=self.task.name,
            kind=self.task.kind,
            label=self.label,
            spec=self.spec.label,
            curve=as_curve(pd.DataFrame(self.rows, columns=list(CURVE_COLUMNS))),
            options=self.options,
            diverged_at=self.diverged_at,
            model=self.model.cpu(),  # results come back on the CPU
        )
