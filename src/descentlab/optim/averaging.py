"""Optimizers that evaluate the loss at other weights than they step from.

Schedule-Free methods keep the gradient point y in the parameters while training
and return the averaged point x, where the loss is measured. Every face that
measures a loss (training curves, tuning metrics, races' recorded paths, sweeps'
summaries) asks here for the weights to measure at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor


def averages_weights(optimizer: torch.optim.Optimizer) -> bool:
    """Whether ``optimizer`` measures its loss at averaged weights (Schedule-Free), ours
    or the authors' own classes (which switch with ``train()``/``eval()``)."""
    if getattr(optimizer, "averages_weights", False):
        return True
    groups = getattr(optimizer, "param_groups", None) or [{}]
    return "train_mode" in groups[0] and callable(getattr(optimizer, "eval", None))


def start_training(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """Put a Schedule-Free optimizer, which starts in eval mode as its authors' package
    does, in train mode; every other optimizer is returned as it is."""
    groups = getattr(optimizer, "param_groups", [])
    if averages_weights(optimizer) and groups and not groups[0]["train_mode"]:
        optimizer.train()  # type: ignore[attr-defined]
    return optimizer


@contextmanager
def measuring(optimizer: torch.optim.Optimizer) -> Iterator[None]:
    """Inside, the parameters hold the weights the loss is measured at; the stepping
    point is put back on leaving (a no-op for every other optimizer)."""
    if not averages_weights(optimizer):
        yield
        return
    optimizer.eval()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        optimizer.train()  # type: ignore[attr-defined]


def evaluation_point(optimizer: torch.optim.Optimizer, param: Tensor) -> Tensor:
    """Where the loss of ``param`` is measured: the averaged x for Schedule-Free
    methods, else the parameter itself (never a copy, never changing it)."""
    averaged = getattr(optimizer, "averaged", None)
    if averaged is None or not averages_weights(optimizer):
        return param.detach()
    return averaged(param)
