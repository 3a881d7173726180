"""Grids: evenly spaced starts over a domain, and hyperparameter grids crossed whole."""

from __future__ import annotations

import inspect
import itertools
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from .. import landscapes
from ..checks import whole_number
from ..landscapes import Landscape
from ..optim.registry import hyperparameter_names
from ..optim.spec import OptimizerSpec
from ..optim.validation import plain_value
from . import memory


def grid_starts(landscape: str | Landscape, n: int) -> np.ndarray:
    """``n`` evenly spaced points per axis over the domain: an (n**D, D) array, x fastest.

    A grid larger than the memory available is refused with `JobTooLarge`.
    """
    land = landscapes.get(landscape)
    n = whole_number("n", n, low=1)
    d = land.dim
    memory.require(
        "grid of starts",
        memory.grid_bytes(n, d),
        f"{' x '.join([f'{n:,}'] * d)} = {n**d:,} points",
        "use a smaller grid of starts",
    )
    axes = [np.linspace(low, high, n) for low, high in land.domain]
    # broadcast views, stacked once: the (n, ..., n, D) result is the only big array
    mesh = np.meshgrid(*axes, indexing="xy", copy=False)
    return np.stack(mesh, axis=-1).reshape(-1, d)


def _grid_values(name: str, options: Any, default: Any) -> list[Any]:
    """The values of one grid entry, checked against the kind of its default: numbers,
    switches (True/False), or pairs (for betas, etas, step_sizes)."""
    if isinstance(options, str | bytes) or not isinstance(options, Iterable):
        options = [options]
    pair = isinstance(default, tuple)
    if pair and isinstance(options, tuple) and all(isinstance(v, numbers.Real) for v in options):
        options = [options]  # a single pair, such as betas=(0.9, 0.99)
    values = [plain_value(v) for v in options]
    if not values:
        raise ValueError(f"grid {name!r} has no values")
    for value in values:
        if isinstance(default, bool):
            ok = isinstance(value, bool)
            kind = "True or False"
        elif pair:
            ok = (
                isinstance(value, tuple | list)
                and len(value) == len(default)
                and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
            )
            kind = f"pairs of numbers such as {default!r}"
        else:
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            kind = "numbers"
        if not ok:
            raise ValueError(f"grid {name!r} must hold {kind}, got {value!r}")
    return [tuple(float(x) for x in v) if pair else v for v in values]


def combinations(spec: OptimizerSpec, grid: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(grid, dict):
        raise TypeError(f"grid must map hyperparameter names to values, got {grid!r}")
    if grid and spec.cls is None:
        raise ValueError(f"a callable optimizer ({spec.name}) cannot be swept over a grid")
    accepted = hyperparameter_names(spec.cls) if spec.cls is not None else ()
    defaults = inspect.signature(spec.cls.__init__).parameters if spec.cls is not None else {}
    values: dict[str, list[Any]] = {}
    for name, options in grid.items():
        if name not in accepted:
            raise TypeError(
                f"{spec.name} has no hyperparameter {name!r}; accepted: {', '.join(accepted)}"
            )
        values[name] = _grid_values(name, options, defaults[name].default)
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def per_column(combos: list[dict[str, Any]], repeat: int, dtype: torch.dtype) -> dict[str, Any]:
    """Hyperparameters as tensors with one entry per trajectory (combination-major)."""
    tensors: dict[str, Any] = {}
    for name in combos[0]:
        first = combos[0][name]
        if isinstance(first, tuple):
            parts = [
                torch.tensor([c[name][i] for c in combos], dtype=dtype).repeat_interleave(repeat)
                for i in range(len(first))
            ]
            tensors[name] = tuple(parts)
        elif isinstance(first, bool):
            tensors[name] = first  # a switch cannot vary per trajectory within one tensor
        else:
            tensors[name] = torch.tensor(
                [float(c[name]) for c in combos], dtype=dtype
            ).repeat_interleave(repeat)
    return tensors


def unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
