"""Learning-rate schedule specs: ``"step(step_size=10, gamma=0.1)"`` -> torch scheduler."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch.optim import lr_scheduler

from ..names import unknown
from .registry import hyperparameter_names
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


def parse_scheduler(
    spec: str | SchedulerFactory, defaults: dict[str, Any] | None = None
) -> SchedulerFactory:
    """A factory ``optimizer -> scheduler`` from a spec such as ``"cosine(T_max=100)"``.

    Names: step, multistep, exponential, cosine, onecycle, plateau (the
    torch.optim.lr_scheduler classes StepLR, MultiStepLR, ExponentialLR,
    CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau), or any callable.
    ``defaults`` fill arguments the spec leaves out, where the class takes them
    (a training run supplies ``T_max`` and ``total_steps`` from its length).
    """
    if callable(spec) and not isinstance(spec, str):
        return spec
    if not isinstance(spec, str):
        raise TypeError(
            f"a scheduler is a spec such as 'step(step_size=10, gamma=0.1)' or a callable, "
            f"got {spec!r}"
        )
    name, kwargs = parse_call(spec, what="scheduler spec", example="step(step_size=10, gamma=0.1)")
    key = name.lower()
    if key not in SCHEDULERS:
        raise ValueError(unknown("scheduler", name, list(SCHEDULERS), key=key))
    cls = SCHEDULERS[key]
    accepted = [n for n in hyperparameter_names(cls) if n != "optimizer"]
    for argument in kwargs:
        if argument not in accepted:
            raise TypeError(
                unknown("argument", argument, accepted, owner=f"scheduler {key}", listed="accepted")
            )

    filled = {k: v for k, v in (defaults or {}).items() if k in accepted and k not in kwargs}
    if key == "onecycle" and {"epochs", "steps_per_epoch"} & set(kwargs):
        filled.pop("total_steps", None)  # the spec gave the length another way
    kwargs = {**filled, **kwargs}

    def build(optimizer: torch.optim.Optimizer) -> Any:
        try:
            return cls(optimizer, **kwargs)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"scheduler {spec!r}: {error}") from None

    build.filled = filled  # type: ignore[attr-defined]  # the defaults the spec relied on
    return build


def _dry_run_optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


def is_metric_driven(factory: SchedulerFactory) -> bool:
    """Whether the schedule is driven by a loss (ReduceLROnPlateau), not by steps."""
    return isinstance(factory(_dry_run_optimizer()), lr_scheduler.ReduceLROnPlateau)


def check_scheduler(factory: SchedulerFactory, steps: int, rehearse: int = 10_000) -> None:
    """Rehearse a schedule on a dummy optimizer for (up to ``rehearse``) ``steps`` steps,
    so that a schedule that fails or turns the learning rate negative fails now, in one
    line, rather than in the middle of a run."""
    optimizer = _dry_run_optimizer()
    scheduler = factory(optimizer)
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"the scheduler factory returned {type(scheduler).__name__}, not a scheduler"
        )
    for step in range(1, min(steps, rehearse) + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's "optimizer.step() before" notice
                if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(1.0)
                else:
                    scheduler.step()
        except (ValueError, ZeroDivisionError, RuntimeError, TypeError, OverflowError) as error:
            raise ValueError(f"the scheduler fails at step {step}: {error}") from None
        lr = optimizer.param_groups[0]["lr"]
        if not (isinstance(lr, float | int) and math.isfinite(lr) and lr >= 0):
            raise ValueError(f"the scheduler makes the learning rate {lr!r} at step {step}")
