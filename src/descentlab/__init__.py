"""descentlab: an optimizer lab for PyTorch.

`descentlab.optim` holds the classic optimizers, written from scratch and proven
equal to torch.optim step by step; `descentlab.landscapes` the test functions they
race on; `run` races them and `sweep` crosses hyperparameter and start grids;
`fit` and `compare` train real models (`descentlab.tasks`) with them, and `tune`
compares them fairly (tuned, seeded, on a budget); `viz` draws and animates what
happened.

The names below load on first use, so ``import descentlab.optim`` pays for the
optimizers only, not for pandas, matplotlib or the web app.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("descentlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

# public name -> (module that defines it, attribute in that module; None: the module)
_LAZY: dict[str, tuple[str, str | None]] = {
    "optim": ("descentlab.optim", None),
    "landscapes": ("descentlab.landscapes", None),
    "tasks": ("descentlab.tasks", None),
    "viz": ("descentlab.viz", None),
    "Race": ("descentlab.engine", "Race"),
    "Sweep": ("descentlab.engine", "Sweep"),
    "Sweeps": ("descentlab.engine", "Sweeps"),
    "grid_starts": ("descentlab.engine", "grid_starts"),
    "run": ("descentlab.engine", "run"),
    "sweep": ("descentlab.engine", "sweep"),
    "Training": ("descentlab.train", "Training"),
    "TrainingRun": ("descentlab.train", "TrainingRun"),
    "compare": ("descentlab.train", "compare"),
    "fit": ("descentlab.train", "fit"),
    "Tuning": ("descentlab.tuning", "Tuning"),
    "tune": ("descentlab.tuning", "tune"),
}

__all__ = [
    "Race",
    "Sweep",
    "Sweeps",
    "Training",
    "TrainingRun",
    "Tuning",
    "__version__",
    "compare",
    "fit",
    "grid_starts",
    "landscapes",
    "optim",
    "run",
    "sweep",
    "tasks",
    "tune",
    "viz",
]

if TYPE_CHECKING:
    from . import landscapes, optim, tasks, viz
    from .engine import Race, Sweep, Sweeps, grid_starts, run, sweep
    from .train import Training, TrainingRun, compare, fit
    from .tuning import Tuning, tune


if "IPython" in sys.modules:  # in a notebook: results render as HTML, work shows bars
    from . import jupyter as _jupyter

    _jupyter.register()


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'descentlab' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
