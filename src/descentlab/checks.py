"""Argument checks shared by every layer: each returns the value checked, or raises a
one-line ValueError (TypeError for a switch) naming the argument and what it allows.

This module imports nothing from descentlab, and torch only when a dtype is checked.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

SEED_LIMIT = 2**63 - 1  # torch's generators take a seed below 2^63


def whole_number(name: str, value: Any, low: int = 0, high: int | None = None) -> int:
    """``value`` as an int in [low, high]; numpy integers count, True and False do not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be a whole number {allowed}, got {number}")
    return number


def real_number(name: str, value: Any, low: float = 0.0, *, above: bool = False) -> float:
    """``value`` as a finite float >= low (> low when ``above``)."""
    allowed = f"{'>' if above else '>='} {low:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number {allowed}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < low or (above and number == low):
        raise ValueError(f"{name} must be a finite number {allowed}, got {number!r}")
    return number


def switch(name: str, value: Any) -> bool:
    """``value`` if it is True or False, else a TypeError naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def one_of(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
        raise ValueError(f"{name} must be {listed}, got {value!r}")
    return value


def float_dtype(value: Any) -> Any:
    """``value`` if it is torch.float32 or torch.float64."""
    import torch

    if value not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {value!r}")
    return value


def device(value: Any) -> Any:
    """``value`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``, a torch.device) as a
    torch.device this machine has."""
    import torch

    try:
        place = torch.device(value)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be one torch accepts, such as 'cpu', 'cuda' or 'mps', got {value!r}"
        ) from None
    if place.type == "cpu":
        return place
    if place.type == "meta":
        raise ValueError("device 'meta' holds no numbers; use 'cpu', 'cuda' or 'mps'")
    try:
        torch.empty(1, device=place)
    except (RuntimeError, AssertionError, ValueError):
        raise ValueError(
            f"device {str(place)!r} is not available on this machine "
            f"(torch {torch.__version__}); use 'cpu'{_available_besides()}"
        ) from None
    return place


def _available_besides() -> str:
    import torch

    found = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        found.append("mps")
    return "".join(f" or {name!r}" for name in found)


def seed(value: Any) -> int:
    """A seed for torch's generators: a whole number from 0 to 2^63 - 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"seed must be a whole number >= 0, got {value!r}")
    if not 0 <= int(value) <= SEED_LIMIT:
        raise ValueError(f"seed must be a whole number >= 0 and below 2^63, got {int(value)}")
    return int(value)
