"""The sweep's probe: gradient, divergence test and running summaries in one pass, and
the basin each final point lies in."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from ..landscapes import Landscape
from .compiled import compiled
from .lockstep import divergence_bounds, excursion

Observer = Callable[..., None]


def observer(land: Landscape, tol: float, maximize: bool, compile: bool) -> Observer:
    """The sweep's probe: gradient, divergence and the running summaries, in one pass
    over the points (one fused kernel when compiled, cached in `compiled`)."""
    # climbing, the best value is the highest and no known value is a target
    sign, target = (-1.0, None) if maximize else (1.0, land.min_value)
    observe = functools.partial(_observe, land, divergence_bounds(land), target, tol, sign)
    return compiled(land, (tol, sign), observe) if compile else observe


def _observe(
    land: Landscape,
    bounds: list[tuple[float, float]],
    target: float | None,
    tol: float,
    sign: float,
    points: torch.Tensor,
    grads: torch.Tensor,
    best: torch.Tensor,
    steps_to_tol: torch.Tensor,
    diverged_at: torch.Tensor,
    t: torch.Tensor,
) -> None:
    """Write the gradient at ``points`` into ``grads`` and update the summaries in
    place (in place, a compiled kernel allocates nothing)."""
    coords = points.unbind(0)
    grads.copy_(torch.stack(land.gradient(*coords)))
    track(land, bounds, target, tol, sign, coords, best, steps_to_tol, diverged_at, t)


def tracker(land: Landscape, tol: float, maximize: bool) -> Callable[..., None]:
    """``track(coords, best, steps_to_tol, diverged_at, t)``: the summaries part of the
    probe, for a compiled sweep that takes the gradient itself."""
    sign, target = (-1.0, None) if maximize else (1.0, land.min_value)
    return functools.partial(track, land, divergence_bounds(land), target, tol, sign)


def track(
    land: Landscape,
    bounds: list[tuple[float, float]],
    target: float | None,
    tol: float,
    sign: float,
    coords: tuple[torch.Tensor, ...],
    best: torch.Tensor,
    steps_to_tol: torch.Tensor,
    diverged_at: torch.Tensor,
    t: torch.Tensor,
) -> None:
    """Update the running summaries in place with the points ``coords`` reached at step
    ``t``: the best loss, the first step within ``tol`` of the target, divergence."""
    loss = land(*coords)
    # False for far-out and non-finite points, and where f itself is not finite
    inside = (excursion(coords, bounds) <= 1) & (loss.abs() < math.inf)
    fresh = (diverged_at < 0) & ~inside
    # a diverged trajectory adds nothing more to its summary
    alive = (diverged_at < 0) & inside
    diverged_at.copy_(torch.where(fresh, t, diverged_at))
    best.copy_(torch.where(alive, torch.fmin(best, sign * loss), best))
    if target is not None:
        reached = alive & (steps_to_tol < 0) & ((loss - target).abs() <= tol)
        steps_to_tol.copy_(torch.where(reached, t, steps_to_tol))


def basins(land: Landscape, final: torch.Tensor, diverged: torch.Tensor) -> torch.Tensor:
    """Index of the known minimum nearest to each final point; -1 if diverged or none."""
    if not land.minima:
        return torch.full((final.shape[0],), -1, dtype=torch.long)
    nearest = torch.full((final.shape[0],), -1, dtype=torch.long)
    closest = torch.full((final.shape[0],), float("inf"), dtype=final.dtype)
    for index, minimum in enumerate(land.minima):
        distance = sum((final[:, axis] - c) ** 2 for axis, c in enumerate(minimum.point))
        nearer = distance < closest  # False for NaN: such a point keeps -1
        nearest[nearer] = index
        closest = torch.where(nearer, distance, closest)
    nearest[diverged] = -1
    return nearest
