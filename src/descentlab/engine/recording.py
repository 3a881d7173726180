"""A race's work: every optimizer from every start as columns of one engine, stepped
with every point recorded."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..landscapes import Landscape
from ..optim.spec import OptimizerSpec
from .checks import is_vectorisable
from .compiled_race import step_compiled
from .lockstep import Lockstep


def build_engine(
    land: Landscape,
    specs: list[OptimizerSpec],
    points: np.ndarray,
    noise: float,
    seed: int,
    dtype: torch.dtype,
    maximize: bool,
    vectorize: bool,
    schedule: Any,
    device: torch.device,
) -> Lockstep:
    """Every optimizer from every start as columns of one engine (optimizer-major), on
    ``device``."""
    k, s = len(specs), len(points)
    columns = torch.as_tensor(points, dtype=dtype).T.repeat(1, k).to(device)  # (D, K*S)
    # every optimizer meets the same noise from the same start: one stream per start
    streams = torch.arange(s).repeat(k)
    engine = Lockstep(
        land, columns, noise=noise, seed=seed, maximize=maximize, noise_streams=streams
    )
    for index, spec in enumerate(specs):
        if vectorize and is_vectorisable(spec):
            block = slice(index * s, (index + 1) * s)
            engine.add(spec.build, block, shared=True, scheduler=schedule)
        else:
            for start in range(s):
                column = slice(index * s + start, index * s + start + 1)
                engine.add(spec.build, column, shared=False, scheduler=schedule)
    return engine


def step_all(
    engine: Lockstep,
    steps: int,
    dtype: torch.dtype,
    record_state: bool,
    advance: Callable[[int], None] | None,
    compiled: bool = False,
    maximize: bool = False,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Every recorded point (T+1, D, N) and, if asked, the per-step states; ``compiled``
    takes the steps after the first as `compiled_race` kernels."""
    first = engine.evaluation_points()
    record = torch.empty((steps + 1, *first.shape), dtype=dtype, device=first.device)
    record[0] = first
    shape = (steps + 1, first.shape[0], first.shape[1])
    states: dict[str, torch.Tensor] = {}
    every = max(1, steps // 100)  # reported in hundredths, never syncing per step
    done = 0
    if compiled and steps > 1:
        engine.step()  # the first step as written: it makes the optimizers' state
        record[1] = engine.evaluation_points()
        if advance is not None:
            advance(1)
        done = step_compiled(engine, steps, record, maximize, advance)
    for t in range(done + 1, steps + 1):
        if record_state:
            _record_state(engine, states, t - 1, shape, dtype)
        engine.step()
        record[t] = engine.evaluation_points()
        if advance is not None and (t % every == 0 or t == steps):
            advance(t - done)
            done = t
    return record, states


def state_count(specs: list[OptimizerSpec]) -> int:
    """How many tensors ``record_state`` will record per point: the gradient, and each
    state tensor shaped like the point that some optimizer keeps (found by stepping it
    once on a dummy point; 4 where that fails)."""
    keys = {"grad"}
    for spec in specs:
        try:
            param = torch.zeros(2, requires_grad=True)
            optimizer = spec.build([param])
            param.grad = torch.ones(2)
            optimizer.step(functools.partial(torch.sum, param))
            state = optimizer.state.get(param, {})
            keys |= {key for key, v in state.items() if getattr(v, "shape", None) == (2,)}
        except Exception:  # a custom factory that cannot run on a dummy point
            keys |= {f"unknown{i}" for i in range(4)}
    return len(keys)


def _record_state(
    engine: Lockstep,
    states: dict[str, torch.Tensor],
    t: int,
    shape: tuple[int, int, int],
    dtype: torch.dtype,
) -> None:
    """Store, for step ``t``, the state each optimizer holds before stepping from the
    point recorded at ``t``, and the gradient the step is about to use."""
    grads = engine.probe()[0]
    for unit in engine.units:
        entries = dict(unit.optimizer.state.get(unit.param, {}))
        entries["grad"] = grads[:, unit.columns]
        for key, value in entries.items():
            if isinstance(value, torch.Tensor) and value.shape == unit.param.shape:
                if key not in states:
                    states[key] = torch.full(shape, float("nan"), dtype=dtype,
                                             device=value.device)  # fmt: skip
                states[key][t, :, unit.columns] = value.detach()


def freeze_undefined(record: torch.Tensor, losses: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """Where f is not finite at a finite point, count the trajectory as diverged there
    and freeze it at the point before (in place); return the updated diverged_at."""
    bad = ~torch.isfinite(losses)
    if not bool(bad.any()):
        return at
    steps = losses.shape[0]
    first = torch.where(bad.any(0), bad.float().argmax(0), steps)
    for column in torch.nonzero(first < steps).flatten().tolist():
        t = int(first[column])
        if at[column] < 0 or t < at[column]:
            at[column] = t
        stop = int(at[column])
        keep = max(stop - 1, 0)
        record[stop:, :, column] = record[keep, :, column]
        losses[stop:, column] = losses[keep, column]
    return at
