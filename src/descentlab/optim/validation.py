"""Checks on hyperparameters that may be Python numbers or tensors."""

from __future__ import annotations

import math

import torch
from torch import Tensor

Number = float | int
Hyper = Number | Tensor


def _extremes(value: Hyper) -> tuple[float, float, bool]:
    """Smallest and largest entry of a number or tensor, and whether all are finite."""
    if isinstance(value, Tensor):
        if value.numel() == 0:
            raise ValueError("a hyperparameter tensor must not be empty")
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"a hyperparameter tensor must be real, got dtype {value.dtype}")
        flat = value.detach().double()
        return flat.min().item(), flat.max().item(), bool(torch.isfinite(flat).all())
    if isinstance(value, bool) or not isinstance(value, Number):
        raise TypeError(f"expected a number or a tensor, got {type(value).__name__} {value!r}")
    return float(value), float(value), math.isfinite(value)


def _describe(value: Hyper) -> str:
    if isinstance(value, Tensor):
        lo, hi, _ = _extremes(value)
        return f"a tensor with entries in [{lo:g}, {hi:g}]"
    return repr(value)


def check_range(
    owner: str,
    name: str,
    value: Hyper,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise ValueError unless every entry of ``value`` lies in the given interval.

    The message names the owner, the hyperparameter, the allowed range and the value.
    """
    try:
        lo, hi, finite = _extremes(value)
    except TypeError as error:
        raise TypeError(f"{owner}: {name}: {error}") from None
    ok = finite
    if low is not None:
        ok = ok and (lo > low if low_open else lo >= low)
    if high is not None:
        ok = ok and (hi < high if high_open else hi <= high)
    if ok:
        return
    if low is not None and high is not None:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        allowed = f"{'>' if low_open else '>='} {low:g}"
    elif high is not None:
        allowed = f"{'<' if high_open else '<='} {high:g}"
    else:
        allowed = "finite"
    raise ValueError(f"{owner}: {name} must be {allowed}, got {_describe(value)}")


def check_pair(owner: str, name: str, value: object) -> tuple[Hyper, Hyper]:
    """Return ``value`` as a pair, or raise ValueError saying a pair was expected."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{owner}: {name} must be a pair of numbers, got {value!r}")
    return value[0], value[1]


def check_flag(owner: str, name: str, value: object) -> None:
    """Raise TypeError unless ``value`` is a bool."""
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
