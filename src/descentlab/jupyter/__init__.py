"""The notebook face: results render as rich HTML in Jupyter, and long work shows a bar.

``import descentlab`` inside an IPython kernel calls `register`, so a Race, a Sweep, a
training run or a tuning study left as a cell's last expression shows as a figure (an
interactive one for a race) above a compact summary table, self-contained: it works
offline, with no server, and in exported HTML. ``%load_ext descentlab.jupyter`` does
the same by hand. In a kernel, `run`, `sweep`, `fit`, `compare` and `tune` then show
a progress bar in the cell that runs them, unless given an ``on_progress`` of their
own.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import progress
from .bars import NotebookBar

# (module, class) -> the function of `views` that draws it
VIEWS = {
    ("descentlab.engine.race", "Race"): "race_html",
    ("descentlab.engine.sweep", "Sweep"): "sweep_html",
    ("descentlab.engine.sweeps", "Sweeps"): "sweeps_html",
    ("descentlab.train.result", "TrainingRun"): "training_html",
    ("descentlab.train.result", "Training"): "training_html",
    ("descentlab.tuning.benchmark", "Tuning"): "tuning_html",
}


def register(shell: Any = None) -> bool:
    """Register the HTML views with IPython's ``shell`` (the running one by default),
    and in a kernel the progress bars; False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatters = shell.display_formatter.formatters
    for (module, name), view in VIEWS.items():
        formatters["text/html"].for_type_by_name(module, name, _lazy(view))
    # descentlab's figures are matplotlib Figures made without pyplot, which IPython
    # draws only once pyplot's inline backend is on (its printer, once there, wins)
    formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", _lazy("png"))
    if "IPKernelApp" in getattr(shell, "config", {}):  # a terminal shows no HTML bars
        progress.set_default(NotebookBar)
        if NotebookBar.end_of_cell not in shell.events.callbacks["post_run_cell"]:
            shell.events.register("post_run_cell", NotebookBar.end_of_cell)
        # Optuna imports tqdm's notebook bars, which warn without ipywidgets; the
        # studies' progress is drawn here instead
        warnings.filterwarnings("ignore", message="IProgress not found")
    return True


def _lazy(name: str) -> Any:
    """The view ``name``, imported (with matplotlib and plotly) on first display. A
    result it cannot draw shows its plain text instead (a view never breaks a cell)."""

    def view(result: Any) -> Any:
        from . import views

        try:
            return getattr(views, name)(result)
        except Exception:  # IPython then shows the next format, the result's repr
            return None

    return view


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext descentlab.jupyter``."""
    register(shell)
