"""Experiments as data: what a race, a sweep and a training comparison take, with
their constraints (`settings`); the default values come from `descentlab.defaults`."""

from .settings import RaceSettings, SweepSettings, TrainingSettings

__all__ = ["RaceSettings", "SweepSettings", "TrainingSettings"]
