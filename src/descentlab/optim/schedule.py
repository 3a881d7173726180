"""Learning-rate schedule specs: ``"step(step_size=10, gamma=0.1)"`` -> torch scheduler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import lr_scheduler

from .registry import hyperparameter_names, suggest
from .spec import parse_call

SCHEDULERS: dict[str, type] = {
    "step": lr_scheduler.StepLR,
    "multistep": lr_scheduler.MultiStepLR,
    "exponential": lr_scheduler.ExponentialLR,
    "cosine": lr_scheduler.CosineAnnealingLR,
    "onecycle": lr_scheduler.OneCycleLR,
    "plateau": lr_scheduler.ReduceLROnPlateau,
}

SchedulerFactory = Callable[[torch.optim.Optimizer], Any]


def parse_scheduler(spec: str | SchedulerFactory) -> SchedulerFactory:
    """A factory ``optimizer -> scheduler`` from a spec such as ``"cosine(T_max=100)"``.

    Names: step, multistep, exponential, cosine, onecycle, plateau (the
    torch.optim.lr_scheduler classes StepLR, MultiStepLR, ExponentialLR,
    CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau), or any callable.
    """
    if callable(spec) and not isinstance(spec, str):
        return spec
    name, kwargs = parse_call(spec, what="scheduler spec", example="step(step_size=10, gamma=0.1)")
    key = name.lower()
    if key not in SCHEDULERS:
        raise ValueError(
            f"unknown scheduler {name!r}{suggest(key, list(SCHEDULERS))}; "
            f"available: {', '.join(SCHEDULERS)}"
        )
    cls = SCHEDULERS[key]
    accepted = [n for n in hyperparameter_names(cls) if n != "optimizer"]
    for argument in kwargs:
        if argument not in accepted:
            raise TypeError(
                f"scheduler {key} has no argument {argument!r}{suggest(argument, accepted)}; "
                f"accepted: {', '.join(accepted)}"
            )

    def build(optimizer: torch.optim.Optimizer) -> Any:
        try:
            return cls(optimizer, **kwargs)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"scheduler {spec!r}: {error}") from None

    return build
