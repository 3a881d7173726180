"""What only the library can check in an experiment, before any work: the optimizer
specs, the landscape and its starts, the task and the schedule.

Each refusal is the library's own typed error (a hyperparameter, an expression, a
start) or a `SettingError`, so a face formats it from its fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SettingError, StartError
from ..names import unknown
from .models import (
    Experiment,
    RaceExperiment,
    SweepExperiment,
    TrainingExperiment,
    TuningExperiment,
)

if TYPE_CHECKING:
    from ..landscapes import Landscape


def check(experiment: Experiment) -> None:
    """Refuse, with the first problem found, what would fail once the work starts."""
    from .. import landscapes, optim  # torch, only once an experiment is checked

    if isinstance(experiment, TuningExperiment):
        _check_tuning(experiment)
        return
    for spec in getattr(experiment, "optimizers", []):
        optim.parse(spec)  # unknown names and bad values, with close matches
    if isinstance(experiment, RaceExperiment | SweepExperiment):
        land = landscapes.get(experiment.landscape)
        if isinstance(experiment, RaceExperiment):
            check_starts(land, experiment.starts)
    if isinstance(experiment, TrainingExperiment):
        from .. import tasks

        if experiment.task not in tasks.available():
            raise SettingError("task", unknown("task", experiment.task, tasks.available()))
        if experiment.scheduler is not None:
            optim.parse_scheduler(experiment.scheduler)


def _check_tuning(experiment: TuningExperiment) -> None:
    """Known tasks, search spaces that parse, a storage address that could be one."""
    from .. import tasks
    from ..tuning import parse_space

    for task in experiment.tasks:
        if task not in tasks.available():
            raise SettingError("tasks", unknown("task", task, tasks.available()))
    for text in experiment.optimizers:
        parse_space(text)


def check_starts(land: Landscape, starts: list[list[float]] | None) -> None:
    """Each start has as many coordinates as the landscape."""
    for index, point in enumerate(starts or []):
        if len(point) != land.dim:
            raise StartError(
                index,
                f"{tuple(point)} has {len(point)} coordinate{'s' * (len(point) != 1)}; "
                f"{land.name} takes {land.dim}",
            )
