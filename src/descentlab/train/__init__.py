"""Training real models with any optimizer: tasks, `fit`, `compare`, checkpoints."""

from . import tasks
from .checkpoint import CheckpointError
from .datasets import DatasetUnavailable
from .fit import compare, fit
from .result import Training, TrainingRun
from .settings import TrainingSettings
from .tasks import Task

__all__ = [
    "CheckpointError",
    "DatasetUnavailable",
    "Task",
    "Training",
    "TrainingRun",
    "TrainingSettings",
    "compare",
    "fit",
    "tasks",
]
