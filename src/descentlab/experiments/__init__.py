"""Experiments as data: what a race, a sweep and a training comparison take, with
their defaults and limits written once (`settings`), for both faces to read."""

from .settings import (
    FPS,
    MAX_FPS,
    NOISE,
    SEED,
    STARTS_PER_AXIS,
    STEPS,
    TOL,
    VIEW,
    VIEWS,
    RaceSettings,
    SweepSettings,
    TrainingSettings,
)

__all__ = [
    "FPS",
    "MAX_FPS",
    "NOISE",
    "SEED",
    "STARTS_PER_AXIS",
    "STEPS",
    "TOL",
    "VIEW",
    "VIEWS",
    "RaceSettings",
    "SweepSettings",
    "TrainingSettings",
]
