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

#: steps traced into one call at most: more amortise the reads and writes of the
#: buffers over more steps, fewer keep the traced graph (and its compile time) small
STEPS_PER_CALL = 4


def steps_per_call(steps: int) -> int:
    """Steps per call of a sweep of ``steps`` steps: after the first (eager) step, calls
    of this many take the rest exactly, so one kernel does them all."""
    return max(k for k in range(1, STEPS_PER_CALL + 1) if (steps - 1) % k == 0)


def kernel_settings(
    cls: type, tol: float, maximize: bool, shape: tuple[int, ...], dtype: torch.dtype, count: int
) -> tuple[Any, ...]:
    """What a compiled sweep kernel is cached under, with its landscape: one per shape and
    steps per call, since recompiles of one kernel would soon reach torch.compile's limit,
    past which it runs the function uncompiled."""
    return ("steps", cls, tol, maximize, *shape, dtype, count)


Summaries = tuple[Tensor, Tensor, Tensor]


def step_rows(
    update: Callable[..., None],
    gradient: Callable[..., tuple[Tensor, ...]],
    rows: list[Tensor],
    states: list[dict[str, Any]],
    hypers: list[dict[str, Any]],
    climbing: bool,
) -> None:
    """One step of the rule on every row: the landscape's gradient at the rows, then the
    optimizer's own `update` of each (traced inside the compiled kernels)."""
    grads = gradient(*rows)
    for row, grad, state, hyper in zip(rows, grads, states, hypers, strict=True):
        update(row, -grad if climbing else grad, state, hyper)


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
        step_rows(update, gradient, rows, states, hypers, climbing)
        track(tuple(rows), *summaries, first + i)


def can_compile_steps(optimizer: torch.optim.Optimizer, noise: float) -> bool:
    """Whether whole steps can be compiled: an optimizer whose step is its `update` on
    each tensor (no group-level quantities), and no noise (which an eager step draws
    from its generator, so a trajectory sees the same noise however it is run)."""
    return bool(getattr(optimizer, "switches", ())) and not noise


class Rows:
    """One optimizer's (D, N) parameter as D contiguous rows with their own state, for a
    compiled kernel to step (in-place updates of row views would make the compiler
    rewrite the whole base at each one); `write_back` puts them back."""

    def __init__(self, optimizer: Any, param: Tensor, maximize: bool) -> None:
        self.optimizer, self.param = optimizer, param
        self.group = optimizer.param_groups[0]
        # the run's sign and the optimizer's own
        self.climbing = maximize != bool(self.group.get("maximize", False))
        self.rows = [row.clone() for row in param.detach().unbind(0)]
        self.states = row_states(optimizer.state[param], param)

    def hypers(self) -> list[dict[str, Any]]:
        """The hyperparameters as kernel inputs, each row's own."""
        hyper = as_inputs(self.optimizer.hyperparameters(self.group, self.param), self.param.device)
        return [_row_values(hyper, d, self.param) for d in range(len(self.rows))]

    def write_back(self) -> None:
        """The rows' points and state into the parameter and the optimizer's state."""
        state = self.optimizer.state[self.param]
        with torch.no_grad():
            for d, (row, row_state) in enumerate(zip(self.rows, self.states, strict=True)):
                self.param[d].copy_(row)
                for key, value in state.items():
                    if isinstance(value, Tensor):
                        target = value[d] if value.ndim else value
                        target.copy_(row_state[key].expand_as(target))


class Stepper(Rows):
    """Compiled steps of a sweep's single optimizer over ``param`` (D, N), whose state its
    first (eager) step made; the kernel is cached with the landscape and the settings."""

    def __init__(
        self, land: Landscape, tol: float, maximize: bool, optimizer: Any, param: Tensor,
        count: int,
    ) -> None:  # fmt: skip
        super().__init__(optimizer, param, maximize)
        self.land = land
        settings = kernel_settings(type(optimizer), tol, maximize, tuple(param.shape),
                                   param.dtype, count)  # fmt: skip
        self.kernel = compiled(land, settings, _advance)
        self.track = tracker(land, tol, maximize)

    def advance(self, summaries: Summaries, first: Tensor, count: int) -> None:
        """``count`` steps from the points in the rows, each ending with the summaries."""
        with torch.no_grad():
            self.kernel(self.optimizer.update, self.land.gradient, self.track, self.rows,
                        self.states, self.hypers(), self.climbing, summaries, first,
                        count)  # fmt: skip


def row_states(state: dict[str, Any], param: Tensor) -> list[dict[str, Any]]:
    """One state per row of ``param``: its state tensors' rows, and its 0-d state (the
    step count) itself for row 0 and as a copy for the others (so that it counts once),
    each as a contiguous tensor of its own."""

    def row(d: int) -> dict[str, Any]:
        entries = {}
        for key, value in state.items():
            if isinstance(value, Tensor) and value.ndim:
                entries[key] = value.expand(param.shape)[d].clone()
            elif isinstance(value, Tensor) and d:
                entries[key] = value.clone()
            else:
                entries[key] = value
        return entries

    return [row(d) for d in range(param.shape[0])]


def _row_values(hyper: dict[str, Any], d: int, param: Tensor) -> dict[str, Any]:
    def of(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(of(item) for item in value)
        if isinstance(value, Tensor) and value.ndim == param.ndim:
            return value.expand(param.shape)[d]
        return value

    return {key: of(value) for key, value in hyper.items()}
