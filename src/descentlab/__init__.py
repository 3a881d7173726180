"""descentlab: an optimizer lab for PyTorch.

`descentlab.optim` holds the classic optimizers, written from scratch and proven
equal to torch.optim step by step; `descentlab.landscapes` the test functions they
race on; `run` races them and `sweep` crosses hyperparameter and start grids;
`fit` and `compare` train real models (`descentlab.tasks`) with them.
"""

from importlib.metadata import PackageNotFoundError, version

from . import landscapes, optim, tasks
from .engine import Race, Sweep, grid_starts, run, sweep
from .train import Training, TrainingRun, compare, fit

try:
    __version__ = version("descentlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "Race",
    "Sweep",
    "Training",
    "TrainingRun",
    "__version__",
    "compare",
    "fit",
    "grid_starts",
    "landscapes",
    "optim",
    "run",
    "sweep",
    "tasks",
]
