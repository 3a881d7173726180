"""Races and sweeps of optimizers over landscapes."""

from .memory import JobTooLarge, memory_limit, race_bytes, sweep_bytes
from .race import Race, run
from .summary import Best
from .sweep import Sweep, grid_starts, sweep
from .sweeps import Sweeps

__all__ = [
    "Best",
    "JobTooLarge",
    "Race",
    "Sweep",
    "Sweeps",
    "grid_starts",
    "memory_limit",
    "race_bytes",
    "run",
    "sweep",
    "sweep_bytes",
]
