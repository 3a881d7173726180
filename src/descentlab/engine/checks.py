"""What `run` and `sweep` check beyond plain numbers (`descentlab.checks`): starts, and
whether a spec can be vectorised."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from .. import optim
from ..errors import StartError
from ..landscapes import Landscape
from ..optim.spec import OptimizerSpec


def as_starts(land: Landscape, starts: Any) -> np.ndarray:
    """Starts as an (S, D) float64 array; warns about starts outside the domain."""
    if isinstance(starts, torch.Tensor):
        starts = starts.detach().cpu().numpy()
    if starts is None:
        array = np.asarray([land.start], dtype=np.float64)
    else:
        try:
            array = np.asarray(starts, dtype=np.float64)
        except (TypeError, ValueError):
            raise StartError(None, f"starts must be numbers, got {starts!r}") from None
        if array.ndim == 1 and array.shape[0] == land.dim:
            array = array[None, :]
        elif land.dim == 1 and array.ndim == 1:
            array = array[:, None]
    if array.ndim != 2 or array.shape[1] != land.dim or array.shape[0] == 0:
        raise StartError(
            None,
            f"starts must be points of {land.dim} coordinate(s) for {land.name}, "
            f"got shape {array.shape}",
        )
    if not np.isfinite(array).all():
        raise StartError(int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0]),
                         "starts must be finite")  # fmt: skip
    lows, highs = np.asarray(land.domain).T
    if not ((array >= lows).all() and (array <= highs).all()):
        outside = ((array < lows) | (array > highs)).any(axis=1)
        warnings.warn(
            f"{int(outside.sum())} start(s) lie outside the domain of {land.name} "
            f"{list(land.domain)}, e.g. {tuple(array[outside.argmax()].tolist())}",
            stacklevel=3,
        )
    return array


def is_vectorisable(spec: OptimizerSpec) -> bool:
    """Whether a spec's optimizer can move many trajectories as one tensor."""
    if spec.cls is not None:
        return optim.is_elementwise(spec.cls)
    probe = spec.build([torch.zeros(1, requires_grad=True)])
    return optim.is_elementwise(probe)
