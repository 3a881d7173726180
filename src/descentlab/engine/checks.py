"""One-line checks for the arguments of `run` and `sweep`."""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch


def whole_number(name: str, value: Any, low: int = 0, high: int | None = None) -> int:
    """``value`` as an int in [low, high], else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be a whole number {allowed}, got {number}")
    return number


def real_number(name: str, value: Any, low: float = 0.0) -> float:
    """``value`` as a finite float >= low, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < low:
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {number!r}")
    return number


def switch(name: str, value: Any) -> bool:
    """``value`` if it is True or False, else a TypeError naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def float_dtype(value: Any) -> torch.dtype:
    if value not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {value!r}")
    return value


SEED_LIMIT = 2**63 - 1
