"""A compiled sweep: gradient, update, divergence test and summaries as one kernel.

The landscape's gradient, the optimizer's own per-tensor `update` and the sweep's
summaries (`observe.track`) are traced together by torch.compile, several steps per
call. Each coordinate's row of the (D, N) buffer is stepped as a tensor of its own
(the rule is elementwise, so this changes no number), which lets the compiler keep a
trajectory's coordinates, state and summaries in registers across the steps of a
call: the buffers are read and written once per call instead of once per operation
of every step. Nothing of the update rule is written here: the kernel calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..landscapes import Landscape
from ..optim.fused import as_inputs
from .compiled import compiled
from .observe import tracker

#: steps traced into one call: more amortise the reads and writes of the buffers over
#: more steps, fewer keep the traced graph (and its compile time) small
STEPS_PER_CALL = 4

Summaries = tuple[Tensor, Tensor, Tensor]


def _advance(
    update: Callable[..., None],
    gradient: Callable[..., tuple[Tensor, ...]],
    track: Callable[..., None],
    rows: list[Tensor],
    states: list[dict[str, Any]],
    hypers: list[dict[str, Any]],
    climbing: bool,
    summaries: Summaries,
    first: Tensor,
    count: int,
) -> None:
    for i in range(count):
        grads = gradient(*rows)
        for row, grad, state, hyper in zip(rows, grads, states, hypers, strict=True):
            update(row, -grad if climbing else grad, state, hyper)
        track(tuple(rows), *summaries, first + i)


def can_compile_steps(optimizer: torch.optim.Optimizer, noise: float) -> bool:
    """Whether whole steps can be compiled: an optimizer whose step is its `update` on
    each tensor (no group-level quantities), and no noise (which an eager step draws
    from its generator, so a trajectory sees the same noise however it is run)."""
    return bool(getattr(optimizer, "switches", ())) and not noise


def stepper(
    land: Landscape, tol: float, maximize: bool, optimizer: Any, param: Tensor
) -> Callable[[Summaries, Tensor, int], None]:
    """``advance(summaries, first_step, count)``: ``count`` compiled steps of a sweep's
    single optimizer over ``param`` (D, N), whose state its first (eager) step made;
    the kernel is cached with the landscape and the settings."""
    group = optimizer.param_groups[0]
    kernel = compiled(land, ("steps", type(optimizer), tol, maximize), _advance)
    climbing = maximize != bool(group.get("maximize", False))  # the sweep's sign and its own
    rows = list(param.detach().unbind(0))
    states = row_states(optimizer.state[param], param)
    track = tracker(land, tol, maximize)

    def advance(summaries: Summaries, first: Tensor, count: int) -> None:
        hyper = as_inputs(optimizer.hyperparameters(group, param), param.dtype)
        hypers = [_row_values(hyper, d, param) for d in range(len(rows))]
        with torch.no_grad():
            kernel(optimizer.update, land.gradient, track, rows, states, hypers, climbing,
                   summaries, first, count)  # fmt: skip

    return advance


def row_states(state: dict[str, Any], param: Tensor) -> list[dict[str, Any]]:
    """One state per row of ``param``: views of its state tensors, and the scalar state
    itself for row 0 (a copy for the others, so the step count advances once)."""

    def row(d: int) -> dict[str, Any]:
        return {key: _row(value, d, param, copy=d > 0) for key, value in state.items()}

    return [row(d) for d in range(param.shape[0])]


def _row(value: Any, d: int, param: Tensor, *, copy: bool) -> Any:
    if isinstance(value, Tensor) and value.ndim == param.ndim:
        return value.expand(param.shape)[d]
    if isinstance(value, Tensor) and copy:
        return value.clone()
    return value


def _row_values(hyper: dict[str, Any], d: int, param: Tensor) -> dict[str, Any]:
    def of(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(of(item) for item in value)
        if isinstance(value, Tensor) and value.ndim == param.ndim:
            return value.expand(param.shape)[d]
        return value

    return {key: of(value) for key, value in hyper.items()}
