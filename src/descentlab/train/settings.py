"""The settings every run of a `fit` or `compare` shares, checked once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .. import checks
from ..checks import float_dtype, whole_number
from ..optim.schedule import SchedulerFactory, parse_scheduler
from .tasks import Task, get

CPU = torch.device("cpu")


@dataclass(frozen=True)
class TrainingSettings:
    """What every run of a `fit` or `compare` shares, checked once (`TrainingSettings.of`)."""

    task: Task
    epochs: int
    batch_size: int
    seed: int = 0
    scheduler: str | SchedulerFactory | None = None
    dtype: torch.dtype = torch.float32
    checkpoint_dir: str | Path | None = None
    resume: bool = False
    device: torch.device = CPU

    @classmethod
    def of(
        cls,
        task: str | Task,
        epochs: int | None = None,
        batch_size: int | None = None,
        *,
        seed: int = 0,
        scheduler: str | SchedulerFactory | None = None,
        dtype: torch.dtype = torch.float32,
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
        device: str | torch.device = "cpu",
    ) -> TrainingSettings:
        """Checked settings; epochs and batch size default to the task's."""
        task = get(task)
        epochs = whole_number("epochs", task.epochs if epochs is None else epochs, low=1)
        batch_size = task.batch_size if batch_size is None else batch_size
        batch_size = whole_number("batch_size", batch_size, low=1)
        seed = checks.seed(seed)
        float_dtype(dtype)
        place = checks.device(device)
        if scheduler is not None:
            parse_scheduler(scheduler)  # a bad spec fails before any training
        if resume and checkpoint_dir is None:
            raise ValueError("resume=True needs the checkpoint_dir to resume from")
        return cls(
            task=task, epochs=epochs, batch_size=batch_size, seed=int(seed),
            scheduler=scheduler, dtype=dtype, checkpoint_dir=checkpoint_dir,
            resume=bool(resume), device=place,
        )  # fmt: skip
