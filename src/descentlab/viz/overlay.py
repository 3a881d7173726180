"""The state overlay of an animation: per trajectory, an arrow along its momentum and
a cross of its per-coordinate effective step, drawn on the contour map."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes

from ..engine import Race
from .style import colours


def overlay_artists(race: Race, ax: Axes) -> list[tuple[Artist, object]]:
    """Per trajectory: an arrow along the momentum (momentum_buffer or exp_avg,
    negated: the way it pushes) and a cross whose arms are the per-coordinate
    effective step |delta theta_i| / |g_i| of adaptive optimizers. Both are scaled
    per optimizer to a fraction of the domain, so shapes compare, not units."""
    land = race.landscape
    width = min(high - low for low, high in land.domain)
    states = race.states
    velocity = _prefer(states.get("momentum_buffer"), states.get("exp_avg"))
    adaptive_keys = ("exp_avg_sq", "square_avg", "sum", "exp_inf", "acc_delta")
    adaptive = np.zeros(race.positions.shape[:2], dtype=bool)
    for key in adaptive_keys:
        if key in states:
            adaptive |= ~np.isnan(states[key]).all(axis=(2, 3))
    grad = states["grad"]
    moves = np.diff(race.positions, axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.abs(moves) / np.abs(grad[:, :, :-1])
    artists: list[tuple[Artist, object]] = []
    for k, colour in enumerate(colours(race.labels)):
        for s in range(race.positions.shape[1]):
            if velocity is not None and not np.isnan(velocity[k, s]).all():
                scale = 0.15 * width / max(np.nanmax(np.abs(velocity[k, s])), 1e-30)
                (arrow,) = ax.plot([], [], "-", color=colour, linewidth=2.2,
                                   marker=">", markevery=[1], markersize=6)  # fmt: skip
                artists.append((arrow, _arrow(race, k, s, -velocity[k, s] * scale)))
            if adaptive[k, s]:
                spread = effective[k, s]
                finite = spread[np.isfinite(spread)]
                # scaled by a high percentile: near-zero gradients make outliers
                top = float(np.percentile(finite, 90)) if finite.size else np.nan
                if np.isfinite(top) and top > 0:
                    (cross,) = ax.plot([], [], "-", color=colour, linewidth=1.4, alpha=0.9)
                    arms = np.minimum(0.08 * width * spread / top, 0.16 * width)
                    artists.append((cross, _cross(race, k, s, arms)))
    return artists


def _arrow(race: Race, k: int, s: int, vector: np.ndarray) -> object:
    def draw(line: Artist, step: int) -> None:
        point, push = race.positions[k, s, step], vector[step]
        if np.isnan(push).any():
            line.set_data([], [])
        else:
            line.set_data([point[0], point[0] + push[0]], [point[1], point[1] + push[1]])

    return draw


def _cross(race: Race, k: int, s: int, arms: np.ndarray) -> object:
    def draw(line: Artist, step: int) -> None:
        point = race.positions[k, s, step]
        arm = arms[min(step, len(arms) - 1)]
        if not np.isfinite(arm).all():
            line.set_data([], [])
            return
        x, y = point
        line.set_data([x - arm[0], x + arm[0], np.nan, x, x],
                      [y, y, np.nan, y - arm[1], y + arm[1]])  # fmt: skip

    return draw


def _prefer(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """``first`` where it has values, else ``second`` (state arrays of equal shape)."""
    if first is None or second is None:
        return first if second is None else second
    return np.where(np.isnan(first), second, first)
