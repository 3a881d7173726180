"""Checks on hyperparameters that may be Python numbers or tensors."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterError, HyperparameterTypeError

Hyper = float | int | Tensor


def plain_value(value: Any) -> Any:
    """NumPy scalars and 0-d arrays as Python numbers; tuples item by item."""
    if isinstance(value, tuple | list):
        return type(value)(plain_value(item) for item in value)
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def _extremes(value: Hyper) -> tuple[float, float, bool]:
    """Smallest and largest entry of a number or tensor, and whether all are finite."""
    if isinstance(value, Tensor):
        if value.numel() == 0:
            raise ValueError("an empty tensor has no value")
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"expected a real tensor, got dtype {value.dtype}")
        flat = value.detach().double()
        return flat.min().item(), flat.max().item(), bool(torch.isfinite(flat).all())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected a number or a tensor, got {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:
        return math.inf, math.inf, False
    return number, number, math.isfinite(number)


def describe(value: Any) -> str:
    """A one-line description of a hyperparameter's value."""
    if isinstance(value, Tensor):
        try:
            lo, hi, _ = _extremes(value)
        except (TypeError, ValueError):
            return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
        return f"a tensor with entries in [{lo:g}, {hi:g}]"
    if isinstance(value, tuple | list):
        inner = ", ".join(describe(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return f"an integer of {len(str(abs(value)))} digits"
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
    hyperparameter: str | None = None,
) -> None:
    """Raise ValueError unless every entry of ``value`` is finite and in the interval.

    The message names the owner, ``name``, the allowed range and the value; the error's
    ``hyperparameter`` field is ``hyperparameter`` (default ``name``).
    """
    about = name if hyperparameter is None else hyperparameter
    try:
        lo, hi, finite = _extremes(value)
    except TypeError as error:
        raise HyperparameterTypeError(owner, about, f"{name}: {error}") from None
    except ValueError as error:
        raise HyperparameterError(owner, about, f"{name}: {error}") from None
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
    if not finite and allowed != "finite":
        allowed = f"finite and {allowed}"
    raise HyperparameterError(owner, about, f"{name} must be {allowed}, got {describe(value)}")


def check_tuple(owner: str, name: str, value: object, length: int = 2) -> tuple[Hyper, ...]:
    """Return ``value`` as a tuple of ``length`` entries, or say what was expected."""
    what = "a pair of numbers" if length == 2 else f"{length} numbers"
    reason = f"{name} must be {what}, got {describe(value)}"
    if not isinstance(value, tuple | list):
        raise HyperparameterTypeError(owner, name, reason)
    if len(value) != length:
        raise HyperparameterError(owner, name, reason)
    return tuple(value)


def check_integer(owner: str, name: str, value: object) -> None:
    """Raise TypeError unless ``value`` is a whole Python number (not a bool or tensor)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise HyperparameterTypeError(
            owner, name, f"{name} must be a whole number, got {describe(value)}"
        )


def check_choice(owner: str, name: str, value: object, options: tuple[Any, ...]) -> None:
    """Raise ValueError unless ``value`` is one of ``options``."""
    if not any(value == option and type(value) is type(option) for option in options):
        allowed = ", ".join(repr(option) for option in options)
        raise HyperparameterError(
            owner, name, f"{name} must be one of {allowed}, got {describe(value)}"
        )


def check_flag(owner: str, name: str, value: object) -> None:
    """Raise TypeError unless ``value`` is a bool."""
    if not isinstance(value, bool):
        raise HyperparameterTypeError(
            owner, name, f"{name} must be True or False, got {describe(value)}"
        )


def check_switches(owner: str, switches: dict[str, object]) -> None:
    """Raise unless each implementation switch (``foreach``, ``fused``) is None, True or
    False, and not both are True (torch refuses that too)."""
    for name, value in switches.items():
        if value is not None and not isinstance(value, bool):
            raise HyperparameterTypeError(
                owner, name, f"{name} must be True, False or None, got {describe(value)}"
            )
    if switches.get("foreach") and switches.get("fused"):
        raise HyperparameterError(
            owner, "fused", "fused=True and foreach=True cannot be used together; choose one"
        )


@contextmanager
def too_large_for_dtype(optimizer: torch.optim.Optimizer, dtype: torch.dtype) -> Iterator[None]:
    """Turn torch's overflow error for a hyperparameter beyond the dtype's range (say
    lr=1e39 in float32) into a one-line ValueError naming the optimizer."""
    try:
        yield
    except RuntimeError as error:
        if "without overflow" not in str(error):
            raise
        largest = torch.finfo(dtype).max
        raise HyperparameterError(
            type(optimizer).__name__,
            None,
            f"a hyperparameter is too large for {dtype} (at most {largest:.3g}); use a "
            "smaller value or dtype=torch.float64",
        ) from None
