"""Running a sweep's plan: columns stepped chunk by chunk, only summaries kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from ..landscapes import Landscape
from .checks import is_vectorisable
from .compiled_steps import Stepper, can_compile_steps, steps_per_call
from .grid import per_column
from .lockstep import Lockstep
from .observe import basins, observer
from .plan import SweepPlan


def run_plan(
    plan: SweepPlan, on_steps: Callable[[int], None] | None = None
) -> dict[str, np.ndarray]:
    """The summaries of every trajectory of ``plan``, in column order (settings x starts).

    ``on_steps`` hears of steps done, summed over the pieces (see `SweepPlan.pieces`).
    """
    parts = [
        _run_columns(plan, points, add, seed=seed, on_steps=on_steps)
        for points, add, seed in _pieces(plan)
    ]
    if len(parts) == 1:
        return parts[0]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


Adder = Callable[[Lockstep], None]


def _pieces(plan: SweepPlan) -> Iterator[tuple[np.ndarray, Adder, int]]:
    """(starts, how to add the optimizers, noise seed) of each piece, in column order;
    made one at a time, so a piece's starts exist only while it runs."""
    spec, combos, s = plan.spec, plan.combos, len(plan.points)
    base = {**spec.preset, **spec.kwargs}
    if plan.vectorised:
        # every (combination, start) is a column; columns go in cache-sized chunks, each
        # stepped to the end before the next starts
        tensors = per_column(combos, s, plan.dtype)
        start_of_column = np.tile(np.arange(s), len(combos))
        for first in range(0, plan.trajectories, plan.chunk):
            part = slice(first, min(first + plan.chunk, plan.trajectories))
            hyper = {k: _take(v, part, plan.device) for k, v in tensors.items()}

            def add(engine: Lockstep, hyper: dict[str, Any] = hyper) -> None:
                engine.add(lambda p: spec.cls(p, **{**base, **hyper}), slice(None), shared=True)

            yield plan.points[start_of_column[part]], add, _seed(plan.seed, first)
        return
    shared = is_vectorisable(spec)
    for index, combo in enumerate(combos):

        def build(p: list[torch.Tensor], combo: dict[str, Any] = combo) -> Any:
            return spec.build(p) if spec.cls is None else spec.cls(p, **{**base, **combo})

        def add(engine: Lockstep, build: Callable[..., Any] = build) -> None:
            if shared:
                engine.add(build, slice(None), shared=True)
            else:
                for start in range(s):
                    engine.add(build, slice(start, start + 1), shared=False)

        yield plan.points, add, _seed(plan.seed, index * s)


def _seed(seed: int, first_column: int) -> int:
    """The noise seed of the chunk of trajectories that begins at ``first_column``."""
    return int(np.random.SeedSequence([seed, first_column]).generate_state(1, np.uint64)[0] >> 1)


def _take(value: Any, part: slice, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value[part].to(device)
    if isinstance(value, tuple):
        return tuple(_take(v, part, device) for v in value)
    return value


def _run_columns(
    plan: SweepPlan,
    points: np.ndarray,
    add_units: Adder,
    *,
    seed: int,
    on_steps: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Step one column per row of ``points`` and summarise each trajectory; report
    progress to ``on_steps`` every hundredth of the steps (no device sync)."""
    land, dtype, steps = plan.land, plan.dtype, plan.steps
    device = plan.device
    columns = torch.as_tensor(points, dtype=dtype).T.contiguous().to(device)  # (D, N)
    n = columns.shape[1]
    # running summaries; all floats, which a compiled observer handles best
    running = {
        "best": torch.full((n,), float("inf"), dtype=dtype, device=device),
        "steps_to_tol": torch.full((n,), -1.0, dtype=dtype, device=device),
        "diverged_at": torch.full((n,), -1.0, dtype=dtype, device=device),
    }
    observe = observer(land, plan.tol, plan.maximize, plan.compile)
    grads = torch.empty_like(columns)  # refilled by every probe, read by the next step
    # Schedule-Free methods are measured at their averaged points, not where the
    # gradient is taken: there the probe's summary is scratch, and the real one is
    # taken at the averaged points after each step
    summarised = running
    scratch = {key: value.clone() for key, value in running.items()}

    def probe(current: torch.Tensor) -> tuple[torch.Tensor, None]:
        t = torch.tensor(float(engine.step_count), dtype=dtype, device=device)
        observe(current, grads, *summarised.values(), t)  # fills grads, updates summary
        return grads, None  # divergence is part of the summary

    engine = Lockstep(
        land, columns, noise=plan.noise, seed=seed, maximize=plan.maximize, probe=probe,
        freeze=False,
    )  # fmt: skip
    add_units(engine)
    averaging = engine.averaging
    if averaging:
        summarised, unused = scratch, torch.empty_like(columns)

    engine.probe()  # the starts count as step 0
    every = max(1, steps // 100)
    reported = 0

    def report(t: int) -> None:
        nonlocal reported
        if on_steps is not None and (t // every > reported // every or t == steps):
            on_steps(t - reported)
            reported = t

    advance = _compiled_steps(plan, engine, running)
    per_call = steps_per_call(steps)
    t = 0
    while t < steps:
        if advance is not None and t:
            advance(torch.tensor(float(t + 1), dtype=dtype, device=device), per_call)
            engine.moved(per_call)
            t += per_call
        else:  # the first step makes the optimizer's state (SGD's momentum buffer, say)
            engine.step()  # each step ends with the probe (and summary) at the new points
            t += 1
            if averaging:
                at = torch.tensor(float(t), dtype=dtype, device=device)
                observe(engine.evaluation_points(), unused, *running.values(), at)
        report(t)
    if advance is not None:
        advance.write_back()
    summaries = {key: value.cpu() for key, value in running.items()}
    return _final(land, engine.evaluation_points().cpu(), summaries, plan.maximize)


def _compiled_steps(
    plan: SweepPlan, engine: Lockstep, running: dict[str, torch.Tensor]
) -> _Compiled | None:
    """The compiled steps of a sweep, or None when its steps run eagerly (not compiling,
    or an optimizer or noise `can_compile_steps` refuses)."""
    if not plan.compile or len(engine.units) != 1:
        return None
    unit = engine.units[0]
    if not unit.shared or not can_compile_steps(unit.optimizer, plan.noise):
        return None
    return _Compiled(plan, unit, running)


class _Compiled:
    """A `Stepper` made at the first call (the optimizer's state exists then)."""

    def __init__(self, plan: SweepPlan, unit: Any, running: dict[str, torch.Tensor]) -> None:
        self.plan, self.unit = plan, unit
        self.summaries = (running["best"], running["steps_to_tol"], running["diverged_at"])
        self.stepper: Stepper | None = None

    def __call__(self, first: torch.Tensor, count: int) -> None:
        if self.stepper is None:
            plan, unit = self.plan, self.unit
            self.stepper = Stepper(
                plan.land, plan.tol, plan.maximize, unit.optimizer, unit.param, count
            )
        self.stepper.advance(self.summaries, first, count)

    def write_back(self) -> None:
        if self.stepper is not None:
            self.stepper.write_back()


def _final(
    land: Landscape, positions: torch.Tensor, running: dict[str, torch.Tensor], maximize: bool
) -> dict[str, np.ndarray]:
    """The per-trajectory summary once the last step is done."""
    final = positions.T.clone()  # (N, D)
    diverged_at = running["diverged_at"].long()
    gone = diverged_at >= 0
    final[gone] = float("nan")
    final_loss = land(*final.T)
    sign = -1.0 if maximize else 1.0
    return {
        "final": final.numpy(),  # in the sweep's dtype
        "final_loss": final_loss.numpy(),
        "best_loss": (sign * running["best"]).numpy(),
        "steps_to_tol": running["steps_to_tol"].long().numpy(),
        "basin": basins(land, final, gone | maximize).numpy(),
        "diverged": gone.numpy(),
        "diverged_at": diverged_at.numpy(),
    }
