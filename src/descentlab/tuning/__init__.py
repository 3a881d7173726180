"""Fair comparisons: each optimizer tuned with the same budget on each task, its best
setting rerun over seeds, and a report (DeepOBS's protocol on Optuna, with AlgoPerf's
quasi-random search and performance profiles)."""

from .benchmark import Tuning, tune
from .space import SearchSpace, parse_space

__all__ = ["SearchSpace", "Tuning", "parse_space", "tune"]
