"""Races and sweeps of optimizers over landscapes."""

from .race import Race, run
from .sweep import Sweep, grid_starts, sweep

__all__ = ["Race", "Sweep", "grid_starts", "run", "sweep"]
