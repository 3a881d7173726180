"""The cache of torch.compile'd sweep probes, kept across sweeps.

Compiling takes seconds, so the last few compiled probes are kept, keyed by the
landscape and the settings they close over; the landscape is held beside its kernel
so its id is not reused while the entry lives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import torch

from ..landscapes import Landscape
from ..optim.fused import own_code
from ..optim.hoist import OPTIONS

KEEP = 8  # compiled probes kept at most; the oldest goes first

_CACHE: dict[tuple[Hashable, ...], tuple[Landscape, Callable[..., Any]]] = {}


def compiled(
    land: Landscape, settings: tuple[Hashable, ...], function: Callable[..., Any]
) -> Callable[..., Any]:
    """``function`` compiled once per (landscape, settings), then taken from the cache."""
    key = (id(land), *settings)
    if key not in _CACHE:
        while len(_CACHE) >= KEEP:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (land, torch.compile(own_code(function), dynamic=False, options=OPTIONS))
    return _CACHE[key][1]


def holds(land: Landscape, settings: tuple[Hashable, ...]) -> bool:
    """Whether a kernel for (landscape, settings) is compiled already."""
    return (id(land), *settings) in _CACHE


def clear() -> None:
    """Forget every compiled probe."""
    _CACHE.clear()
