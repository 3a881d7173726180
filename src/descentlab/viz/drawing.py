"""The drawing pieces the figures share: landscapes as contour maps, surfaces and
curves, known minima, colour bars, and trajectories cut at divergence or at the
domain's edge."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import LogFormatterSciNotation, LogLocator

from ..engine import Race
from ..landscapes import Landscape
from .framing import Box, past_domain
from .style import contour_field, evaluate_grid

CONTOUR_CMAP = "viridis"
MINIMUM = {"marker": "*", "markersize": 14, "color": "gold", "markeredgecolor": "black"}


def mark_minima(ax: Axes, land: Landscape, **style: Any) -> None:
    """A gold star on each known minimum of a 2-D landscape (``style`` overrides)."""
    for minimum in land.minima:
        ax.plot(*minimum.point, **{**MINIMUM, **style})


def draw_contour(
    ax: Axes,
    land: Landscape,
    resolution: int = 250,
    box: Box | None = None,
    minima: bool = True,
) -> object:
    """The contour map of a 2-D landscape over ``box`` (default: its domain), minima
    starred (unless ``minima`` is False), the domain's edge marked where the box passes
    it; returns the filled contours (for `colorbar`)."""
    box = box or land.domain
    x, y, z = evaluate_grid(land, resolution, box)
    field, levels, norm, label = contour_field(land, z)
    # on log levels the values under the lowest one take its colour ("min" extends it)
    extend = "min" if isinstance(norm, LogNorm) else "neither"
    filled = ax.contourf(x, y, field, levels=levels, norm=norm, cmap=CONTOUR_CMAP, extend=extend)
    ax.contour(x, y, field, levels=levels[::3], norm=norm, colors="white", linewidths=0.4,
               alpha=0.5)  # fmt: skip
    if minima:
        mark_minima(ax, land, zorder=5)  # over the paths, under the balls that reach it
    if past_domain(box, land):
        mark_domain_edge(ax, land, box)
    ax.set_xlim(*box[0])
    ax.set_ylim(*box[1])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    (x0, x1), (y0, y1) = box
    # equal scales keep gradients perpendicular to contours, unless the box is too thin
    ax.set_aspect("equal" if 0.25 <= (x1 - x0) / (y1 - y0) <= 4 else "auto")
    filled.colorbar_label = label  # type: ignore[attr-defined]
    return filled


def mark_domain_edge(ax: Axes, land: Landscape, box: Box) -> None:
    """Outside the domain the map is veiled, and the domain's edge drawn dashed."""
    (x0, x1), (y0, y1) = box
    (a0, a1), (b0, b1) = land.domain
    # the box with the domain cut out of it (drawn even-odd: the domain stays clear)
    outer = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    inner = [(a0, b0), (a0, b1), (a1, b1), (a1, b0), (a0, b0)]
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * 3 + [MplPath.CLOSEPOLY]
    veil = MplPath(outer + inner, codes * 2)
    ax.add_patch(PathPatch(veil, facecolor="white", alpha=0.45, edgecolor="none", zorder=2))
    ax.add_patch(Rectangle((a0, b0), a1 - a0, b1 - b0, fill=False, edgecolor="white",
                           linestyle=(0, (5, 3)), linewidth=1.3, zorder=3))  # fmt: skip


def colorbar(fig: Figure, ax: Axes, filled: object) -> None:
    """The colour bar of `draw_contour`'s filled contours (decades on a log scale), as
    tall as the map: a map at equal scales is often shorter than its row."""
    label = filled.colorbar_label  # type: ignore[attr-defined]
    bar = fig.colorbar(filled, cax=ax.inset_axes((1.025, 0.0, 0.04, 1.0)), label=label)
    if isinstance(filled.norm, LogNorm):  # type: ignore[attr-defined]
        bar.locator = LogLocator(base=10)
        bar.formatter = LogFormatterSciNotation(base=10)
        bar.update_ticks()


def draw_curve(
    ax: Axes, land: Landscape, resolution: int, span: tuple[float, float] | None = None
) -> None:
    """The curve of a 1-D landscape over ``span`` (default: its domain), minima starred."""
    low, high = span or land.domain[0]
    x = torch.linspace(low, high, resolution * 4, dtype=torch.float64)
    ax.plot(x.numpy(), land(x).numpy(), color="0.55", linewidth=1.6)
    for minimum in land.minima:
        ax.plot(minimum.point[0], minimum.value, **MINIMUM, zorder=5)
    ax.set_xlim(low, high)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.grid(alpha=0.3)


def legend_outside(fig: Figure, ax: Axes) -> None:
    """The axes' legend at the figure's upper right, outside the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", frameon=False)


def trajectory(race: Race, k: int, s: int, clip: bool = False) -> np.ndarray:
    """The recorded points of one trajectory, up to its divergence; with ``clip``,
    points outside the domain become NaN (a gap in the drawn line)."""
    at = race.diverged_at[k, s]
    end = race.positions.shape[2] if at < 0 else max(int(at), 1)
    path = race.positions[k, s, :end]
    return visible(path, race.landscape.domain) if clip else path


def outside_domain(path: np.ndarray, domain: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Per point of ``path`` (N, D): whether it lies outside the domain."""
    lows, highs = np.asarray(domain).T
    return ((path < lows) | (path > highs)).any(axis=1)


def visible(path: np.ndarray, domain: tuple[tuple[float, float], ...]) -> np.ndarray:
    """The path with points outside the domain replaced by NaN."""
    shown = np.array(path, dtype=float)
    shown[outside_domain(path, domain)] = np.nan
    return shown


def crossing(a: np.ndarray, b: np.ndarray, domain: Any) -> np.ndarray:
    """Where the segment a -> b, from ``a`` inside the domain, crosses its edge (``a``
    itself when ``b`` is not finite)."""
    if not np.isfinite(b).all():
        return np.array(a, dtype=float)
    lows, highs = np.asarray(domain, dtype=float).T
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(
            b > highs, (highs - a) / (b - a), np.where(b < lows, (lows - a) / (b - a), 1)
        )
    fraction = float(np.nanmin(np.clip(limits, 0, 1)))
    return a + fraction * (b - a)


def edge_point(path: np.ndarray, domain: Any) -> np.ndarray:
    """Where a path is last seen: its last point if inside the domain, else the point
    where it last crossed the domain's edge (or its start)."""
    outside = outside_domain(path, domain)
    if not outside[-1]:
        return path[-1]
    inside = np.flatnonzero(~outside)
    if inside.size == 0:
        return path[0]
    return crossing(path[inside[-1]], path[inside[-1] + 1], domain)


def view_box(ax: Axes) -> Box:
    """The x and y limits an axes shows (2-D or 3-D)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return (min(x0, x1), max(x0, x1)), (min(y0, y1), max(y0, y1))


def clip_segment(
    a: np.ndarray, b: np.ndarray, lows: np.ndarray, highs: np.ndarray
) -> tuple[float, float] | None:
    """The part t0..t1 of the segment a -> b inside the box (Liang-Barsky), or None."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    t0, t1 = 0.0, 1.0
    for d, p, low, high in zip(b - a, a, lows, highs, strict=True):
        if d == 0:
            if p < low or p > high:
                return None
            continue
        ta, tb = sorted(((low - p) / d, (high - p) / d))
        t0, t1 = max(t0, ta), min(t1, tb)
        if t0 > t1:
            return None
    return t0, t1


def clip_path(path: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """A path (N, 2) cut to the box: each segment clipped at the box's edges, NaN rows
    where it is outside. Returns the points and, per original point i, how many of
    them draw the path up to point i."""
    lows, highs = np.asarray(box, dtype=float).T
    inside = ~outside_domain(path, box) & np.isfinite(path).all(axis=1)
    gap = np.full(2, np.nan)
    points = [path[0] if inside[0] else gap]
    ends = [1]
    for a, b, b_inside in zip(path[:-1], path[1:], inside[1:], strict=True):
        part = clip_segment(a, b, lows, highs)
        if part is not None:
            t0, t1 = part
            if t0 > 0:
                points += [gap, a + t0 * (b - a)]
            points.append(b if b_inside else a + t1 * (b - a))
        if not b_inside:
            points.append(gap)
        ends.append(len(points))
    return np.array(points, dtype=float), np.array(ends)


def outward(point: np.ndarray, box: Box) -> np.ndarray:
    """The outward normal of the box's edge (or corner) at a point on that edge."""
    (x0, x1), (y0, y1) = box
    tol = 1e-9 * max(x1 - x0, y1 - y0)
    x, y = point
    return np.array(
        [float(x >= x1 - tol) - float(x <= x0 + tol), float(y >= y1 - tol) - float(y <= y0 + tol)]
    )


def map_image(land: Landscape, box: Box, pixels: int = 720) -> tuple[bytes, object]:
    """The contour map over ``box`` alone, edge to edge, as a PNG (for a figure that
    draws it as its background), and its filled contours (their levels and colours)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(pixels / 100, pixels / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    filled = draw_contour(ax, land, resolution=240, box=box, minima=False)
    ax.set_aspect("auto")  # stretched onto the figure's axes, which keep the scales
    ax.set_axis_off()
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue(), filled


def values_at(land: Landscape, points: np.ndarray) -> np.ndarray:
    """The landscape's value at points (M, 2), in float64; NaN rows stay NaN."""
    points = np.asarray(points, dtype=np.float64)
    xy = torch.as_tensor(np.nan_to_num(points))
    with torch.no_grad():
        z = land(xy[:, 0], xy[:, 1]).numpy()
    return np.where(np.isnan(points[:, 0]), np.nan, z)


def domain_ring(land: Landscape, box: Box, per_side: int = 60) -> np.ndarray:
    """The domain's edge as a closed path, many points a side (so that a line lying on a
    surface follows it), cut to the box: NaN rows where the box does not show it."""
    (a0, a1), (b0, b1) = land.domain
    corners = np.array([(a0, b0), (a1, b0), (a1, b1), (a0, b1), (a0, b0)], dtype=float)
    sides = [np.linspace(p, q, per_side, endpoint=False) for p, q in itertools.pairwise(corners)]
    ring, _ = clip_path(np.concatenate([*sides, corners[:1]]), box)
    return ring
