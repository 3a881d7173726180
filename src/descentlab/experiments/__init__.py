"""Experiments as data: a race, a sweep, a training comparison and the weights picture
as typed models (`models`), read from plain data (`read`) and checked against the
library before any work (`check`). Every face runs these."""

from .checks import check, check_starts
from .models import (
    KINDS,
    Experiment,
    RaceExperiment,
    SweepExperiment,
    TrainingExperiment,
    TuningExperiment,
    WeightsPicture,
)
from .reading import read, refusal

__all__ = [
    "KINDS",
    "Experiment",
    "RaceExperiment",
    "SweepExperiment",
    "TrainingExperiment",
    "TuningExperiment",
    "WeightsPicture",
    "check",
    "check_starts",
    "read",
    "refusal",
]
