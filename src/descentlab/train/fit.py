"""Training a task's model with an optimizer spec: `fit` one, `compare` several."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ..optim.schedule import SchedulerFactory
from ..optim.spec import parse, unique_labels
from ..progress import OnProgress, reporter
from ..specs import SpecLike
from .checkpoint import checkpoint_path, resumable
from .loop import Loop, cast
from .result import Training, TrainingRun
from .settings import TrainingSettings
from .tasks import Task


def compare(
    task: str | Task,
    specs: Sequence[SpecLike],
    epochs: int | None = None,
    batch_size: int | None = None,
    *,
    seed: int = 0,
    scheduler: str | SchedulerFactory | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_progress: OnProgress | None = None,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> Training:
    """Train one model per optimizer, every one from the same initial weights and with
    the same data order (both drawn from ``seed``). See `fit` for the arguments.

    With ``checkpoint_dir`` and ``resume=True`` an interrupted comparison is finished:
    runs already done are loaded, the interrupted one continues, the rest start.
    """
    settings = TrainingSettings.of(
        task, epochs, batch_size, seed=seed, scheduler=scheduler, dtype=dtype,
        checkpoint_dir=checkpoint_dir, resume=resume, device=device,
    )  # fmt: skip
    if isinstance(specs, str) or not isinstance(specs, Sequence) or not specs:
        raise ValueError("compare takes a list of one or more optimizer specs")
    return _train(settings, [parse(spec) for spec in specs], on_progress)


def _train(
    settings: TrainingSettings, parsed: list[Any], on_progress: OnProgress | None
) -> Training:
    """Build every run (checking every checkpoint), then train them one after another."""
    task, labels = settings.task, unique_labels(parsed)
    folder = settings.checkpoint_dir
    paths: list[Path | None] = [None] * len(labels)
    if folder is not None:
        paths = [checkpoint_path(folder, task.name, label, settings.seed) for label in labels]
    found = resumable(folder, paths) if settings.resume else [False] * len(labels)
    train = cast(task.train, settings.dtype, settings.device)
    validation = cast(task.validation, settings.dtype, settings.device) if task.validation else None
    data = train, validation
    with torch.random.fork_rng(devices=[]):  # the caller's global generator is left alone
        # every run is built and every checkpoint checked before any run trains
        loops = []
        for spec, label, path, restore in zip(parsed, labels, paths, found, strict=True):
            loop = Loop(settings, spec, label, data, path)
            if restore:
                loop.restore()
            loops.append(loop)
        runs = []
        for loop in loops:
            description = f"{task.name} {loop.label}"
            runs.append(loop.run(reporter(on_progress, description, loop.batches * loop.epochs)))
    return Training(runs=runs)


def fit(
    task: str | Task,
    spec: SpecLike,
    epochs: int | None = None,
    batch_size: int | None = None,
    *,
    seed: int = 0,
    scheduler: str | SchedulerFactory | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_progress: OnProgress | None = None,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> TrainingRun:
    """Train a task's model with one optimizer and record its curve.

    Parameters
    ----------
    task : a task name ("airfoil", "digits") or a `Task`.
    spec : an optimizer spec (``"adam(lr=0.01)"``, ``"torch.SGD(lr=0.05)"``, a callable).
    epochs, batch_size : default to the task's.
    seed : draws the initial weights and the order of the examples.
    scheduler : an lr schedule such as ``"step(step_size=10, gamma=0.1)"``, stepped once
        per epoch (onecycle: once per batch; plateau: on the validation loss, else the
        training loss). ``T_max`` and ``total_steps`` default to the run's length.
    checkpoint_dir : write a checkpoint there after every epoch (one file per task,
        optimizer label and seed).
    resume : continue from the checkpoints in ``checkpoint_dir``: the result equals an
        uninterrupted run bit for bit (but for the seconds column). In `compare`, a run
        whose checkpoint is at ``epochs`` is loaded without training, an interrupted one
        continues from its last complete epoch, one without a checkpoint starts afresh.
        A folder with no checkpoint for any of the runs (for `fit`: for its one run) is
        a `CheckpointError`, as are damaged or mismatched checkpoints and ones beyond
        ``epochs``; all of them are checked before any run trains.
    on_progress : called as ``on_progress("<task> <label>", done, total)`` after every
        batch (a resumed run first reports the batches it had done).
    dtype : torch.float32 or torch.float64 for the model and the data.
    device : where the model trains (anything torch accepts: "cpu", "cuda", "mps"); the
        weights are drawn on the CPU, so they are the same on every device, and the
        trained model and the curve come back on the CPU.

    Notes
    -----
    A run whose loss stops being finite ends there, with ``diverged_at`` set; it does
    not raise.
    """
    settings = TrainingSettings.of(
        task, epochs, batch_size, seed=seed, scheduler=scheduler, dtype=dtype,
        checkpoint_dir=checkpoint_dir, resume=resume, device=device,
    )  # fmt: skip
    return _train(settings, [parse(spec)], on_progress).runs[0]
