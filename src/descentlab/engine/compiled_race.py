"""A compiled race: each optimizer's steps, divergence test and record as one kernel.

A race steps few trajectories, so its time is the dispatch of a dozen tiny operations
per optimizer per step. Compiled, each optimizer's block of columns takes several
steps per call: the landscape's gradient, the optimizer's own `update`, the divergence
test, the freeze of diverged columns at their last good point and the recording of
every point, as the eager `Lockstep` does them. Each coordinate's row is a contiguous
tensor of its own (the rules are elementwise), written back when the race ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from .compiled import compiled
from .compiled_steps import Rows, step_rows
from .lockstep import Lockstep, Unit, divergence_bounds, excursion

STEPS_PER_CALL = 10  # a race's columns are few: calls, not bytes, are what it pays for


def _advance(
    update: Callable[..., None],
    gradient: Callable[..., tuple[Tensor, ...]],
    bounds: list[tuple[float, float]],
    rows: list[Tensor],
    states: list[dict[str, Any]],
    hypers: list[dict[str, Any]],
    climbing: bool,
    frozen: list[Tensor],
    diverged_at: Tensor,
    out: Tensor,
    first: Tensor,
    count: int,
) -> None:
    for i in range(count):
        step_rows(update, gradient, rows, states, hypers, climbing)
        fresh = ~(excursion(tuple(rows), bounds) <= 1) & (diverged_at < 0)
        diverged_at.copy_(torch.where(fresh, first + i, diverged_at))
        gone = diverged_at >= 0
        for d, (row, last) in enumerate(zip(rows, frozen, strict=True)):
            row.copy_(torch.where(gone, last, row))  # diverged: back to the last good point
            last.copy_(row)
            out[i, d].copy_(row)


def can_compile(engine: Lockstep, noise: float, record_state: bool, scheduled: bool) -> bool:
    """Whether a race can run compiled: every optimizer steps a block of the buffer with
    its `update` on each tensor, and no noise, schedule or state record is asked for."""
    return (
        not noise
        and not record_state
        and not scheduled
        and all(unit.shared and getattr(unit.optimizer, "switches", ()) for unit in engine.units)
    )


def _settings(unit: Unit, maximize: bool, count: int) -> tuple[Any, ...]:
    p = unit.param
    return ("race", type(unit.optimizer), maximize, *p.shape, p.dtype, count)


class _Block(Rows):
    """One optimizer's columns, stepped by its kernel."""

    def __init__(self, engine: Lockstep, unit: Unit, maximize: bool, steps: int) -> None:
        super().__init__(unit.optimizer, unit.param, maximize)
        self.unit = unit
        self.kernel = compiled(engine.landscape, _settings(unit, maximize, STEPS_PER_CALL),
                               _advance)  # fmt: skip
        self.frozen = [row.clone() for row in self.rows]
        self.diverged_at = engine.diverged_at[unit.columns].to(self.param.dtype)
        self.record = torch.empty((steps, *self.param.shape), dtype=self.param.dtype,
                                  device=self.param.device)  # fmt: skip

    def advance(self, engine: Lockstep, t: int, count: int) -> None:
        first = torch.tensor(float(t + 1), dtype=self.param.dtype, device=self.param.device)
        with torch.no_grad():
            self.kernel(self.optimizer.update, engine.landscape.gradient,
                        divergence_bounds(engine.landscape), self.rows, self.states,
                        self.hypers(), self.climbing, self.frozen, self.diverged_at,
                        self.record[t : t + count], first, count)  # fmt: skip


def step_compiled(
    engine: Lockstep,
    steps: int,
    record: Tensor,
    maximize: bool,
    advance: Callable[[int], None] | None,
) -> int:
    """Steps 2 to ``steps`` of a race whose first step ``engine`` took, compiled, into
    ``record`` (T+1, D, N), but the last few when ``steps - 1`` is no multiple of
    `STEPS_PER_CALL`; the engine's buffer, states and divergence are updated, and the
    number of steps done is returned."""
    blocks = [_Block(engine, unit, maximize, steps) for unit in engine.units]
    t = 1
    while t < steps:
        count = min(STEPS_PER_CALL, steps - t)
        if count < STEPS_PER_CALL:
            break  # the last few go eagerly: one kernel per block serves every length
        for block in blocks:
            block.advance(engine, t, count)
        t += count
        if advance is not None:
            advance(count)
    with torch.no_grad():
        diverged_at = engine.diverged_at.clone()
        for block in blocks:
            columns = block.unit.columns
            record[2 : t + 1, :, columns] = block.record[1:t]
            block.write_back()
            diverged_at[columns] = block.diverged_at.long()
    engine.resume(t - 1, diverged_at)
    return t
