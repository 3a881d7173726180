"""The settings every run of a `fit` or `compare` shares, checked once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..optim.schedule import SchedulerFactory, parse_scheduler
from .tasks import Task, get


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


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
    ) -> TrainingSettings:
        """Checked settings; epochs and batch size default to the task's."""
        task = get(task)
        epochs = _whole("epochs", task.epochs if epochs is None else epochs)
        batch_size = _whole("batch_size", task.batch_size if batch_size is None else batch_size)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        if scheduler is not None:
            parse_scheduler(scheduler)  # a bad spec fails before any training
        if resume and checkpoint_dir is None:
            raise ValueError("resume=True needs the checkpoint_dir to resume from")
        return cls(
            task=task, epochs=epochs, batch_size=batch_size, seed=int(seed),
            scheduler=scheduler, dtype=dtype, checkpoint_dir=checkpoint_dir,
            resume=bool(resume),
        )  # fmt: skip
