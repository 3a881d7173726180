"""A race as the map draws it: the view that frames it (`viz.framing`'s rule), the
landscape sampled over that view, and every trajectory cut at the view's edge, its ball
kept where it last crossed that edge."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..engine import Race
from ..landscapes import Landscape
from ..viz.drawing import clip_segment
from ..viz.framing import frame, limits, past_domain
from ..viz.style import contour_field, evaluate_grid, plotly_dash

GRID = 120  # landscape samples per axis for the contour map and the surface
CURVE = 400  # samples of a 1-D landscape's curve
TRAIL_WIDTH = 2.5  # px of a trail on the map: matplotlib's dash lengths are in line widths

Box = tuple[tuple[float, float], ...]


def finite(values: Any) -> list[Any]:
    """An array as nested lists, with None where a value is not finite (JSON has no NaN)."""
    array = np.asarray(values, dtype=np.float64)
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


def start_dashes(count: int) -> list[str]:
    """One dash per start, in `START_STYLES`' order (repeating past its end)."""
    return [plotly_dash(s, TRAIL_WIDTH) for s in range(count)]


def view_of(result: Race, xlim: Any = None, ylim: Any = None) -> Box:
    """The box the map shows: for a 2-D race `viz.framing.frame`; a 1-D one shows ``xlim``
    or its domain (it has no y limits to frame)."""
    land = result.landscape
    if land.dim == 2:
        return frame(result, xlim, ylim)
    if ylim is not None:
        raise ValueError(f"ylim frames a 2-D map; {land.name} is 1-D (give xlim only)")
    return (limits("xlim", xlim) or tuple(land.domain[0]),)


def field(land: Landscape, box: Any = None) -> dict[str, Any]:
    """Samples of f over ``box`` (default the domain) and how they are shaded.

    Where the library shades on log levels, the page shows log10(f - low) clipped at
    ``floor``; the same transform lifts the balls onto the surface."""
    box = box if box is not None else land.domain
    if land.dim == 1:
        (low, high) = box[0]
        x = torch.linspace(low, high, CURVE, dtype=torch.float64)
        with torch.no_grad():
            z = land(x).numpy()
        return {"x": x.tolist(), "z": finite(z), "transform": "linear", "low": 0.0, "floor": 0.0}
    x, y, z = evaluate_grid(land, GRID, box)
    if not np.isfinite(z).any():
        raise ValueError(f"{land.name} is not finite anywhere on the box shown")
    try:
        _, levels, norm, _ = contour_field(land, z)
    except ValueError:  # constant: shade it flat
        return {"x": x[0].tolist(), "y": y[:, 0].tolist(), "z": finite(z),
                "transform": "linear", "low": 0.0, "floor": 0.0}  # fmt: skip
    log = norm.__class__.__name__ == "LogNorm"
    low = float(np.nanmin(np.where(np.isfinite(z), z, np.nan)))
    floor = float(levels[0]) if log else 0.0
    shown = np.log10(np.clip(z - low, floor, None)) if log else z
    return {"x": x[0].tolist(), "y": y[:, 0].tolist(), "z": finite(shown),
            "transform": "log" if log else "linear", "low": low, "floor": floor}  # fmt: skip


def framed(result: Race, xlim: Any = None, ylim: Any = None) -> dict[str, Any]:
    """What the race adds to its payload for the map: ``view`` (the box shown), whether it
    passes the domain (``past_domain``), the ``field`` sampled over it, the ``paths`` cut
    at its edge, whether any ball ``left_view``, and each start's ``dashes``."""
    land = result.landscape
    box = view_of(result, xlim, ylim)
    paths = [[clipped(result, k, s, box) for s in range(len(result.starts))]
             for k in range(len(result.labels))]  # fmt: skip
    left = any(any(o is not None for o in p["out"]) for row in paths for p in row)
    passes = past_domain(box, land) if land.dim == 2 else _past_span(box[0], land.domain[0])
    return {
        "view": [list(axis) for axis in box],
        "past_domain": passes,
        "field": field(land, box),
        "paths": paths,
        "left_view": left,
        "dashes": start_dashes(len(result.starts)),
    }


def _past_span(span: tuple[float, float], domain: tuple[float, float]) -> bool:
    return span[0] < domain[0] or span[1] > domain[1]


def _beyond(point: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> list[int]:
    """Per axis, which way a point lies past the box: -1, 0 or +1."""
    return [int(v > h) - int(v < lo) for v, lo, h in zip(point, lows, highs, strict=True)]


def clipped(result: Race, k: int, s: int, box: Box) -> dict[str, Any]:
    """One trajectory up to its divergence, as drawn in ``box``.

    ``points`` are the drawn coordinates: outside the box a gap (None), with a point where
    the path leaves the box and where it comes back; ``loss`` is f at each, and ``ends[t]``
    how many points draw the steps up to t (the path at step t is ``points[:ends[t]]``).
    Per step, ``balls`` is where the ball is drawn: where it is, or, while it is outside
    the box, where it last crossed the box's edge (a start outside sits at the nearest
    edge point); ``ball_loss`` is f there and ``out`` the way the ball lies past the edge
    ([dx, dy] of -1, 0, 1, or None inside). A diverged run also has ``edge``, its last
    ball, and ``edge_loss``."""
    land = result.landscape
    lows, highs = np.asarray(box, dtype=np.float64).T
    gone = int(result.diverged_at[k, s])
    end = result.positions.shape[2] if gone < 0 else max(gone, 1)
    path = np.asarray(result.positions[k, s, :end], dtype=np.float64)
    losses = np.asarray(result.losses[k, s, :end], dtype=np.float64)
    good = np.isfinite(path).all(axis=1)
    inside = good & ((path >= lows) & (path <= highs)).all(axis=1)
    gap = [None] * land.dim
    points: list[Any] = []
    loss: list[Any] = []
    crossings: list[int] = []  # indices in points whose f is computed here
    ends: list[int] = []
    balls: list[Any] = []
    out: list[Any] = []

    def cross(point: np.ndarray) -> None:
        crossings.append(len(points))
        points.append(point.tolist())
        loss.append(None)

    for i in range(end):
        seen = None  # where this step crosses out of the box, if it does
        if i > 0 and good[i - 1] and good[i] and not (inside[i - 1] and inside[i]):
            part = clip_segment(path[i - 1], path[i], lows, highs)
            if part is not None:
                a, b = path[i - 1], path[i]
                if not inside[i - 1]:
                    cross(a + part[0] * (b - a))
                if not inside[i]:
                    seen = len(points)
                    cross(a + part[1] * (b - a))
        if inside[i]:
            points.append(path[i].tolist())
            loss.append(float(losses[i]) if np.isfinite(losses[i]) else None)
            balls.append(len(points) - 1)
            out.append(None)
        else:
            if seen is None and not balls:  # a start outside the box: at its nearest edge
                seen = len(points)
                cross(np.clip(path[i], lows, highs))
            points.append(gap)
            loss.append(None)
            balls.append(seen if seen is not None else balls[-1])
            out.append(_beyond(path[i], lows, highs))
        ends.append(len(points))
    _fill_losses(land, points, loss, crossings)
    shown: dict[str, Any] = {
        "points": points,
        "loss": loss,
        "ends": ends,
        "balls": [points[b] for b in balls],
        "ball_loss": [loss[b] for b in balls],
        "out": out,
    }
    if gone >= 0:
        shown["edge"], shown["edge_loss"] = shown["balls"][-1], shown["ball_loss"][-1]
    return shown


def _fill_losses(land: Landscape, points: list[Any], loss: list[Any], at: list[int]) -> None:
    """f at the drawn points listed in ``at``, in one evaluation (None where not finite)."""
    if not at:
        return
    coordinates = torch.as_tensor([points[i] for i in at], dtype=torch.float64)
    with torch.no_grad():
        values = land(*coordinates.T).numpy()
    for i, value in zip(at, np.atleast_1d(values), strict=True):
        loss[i] = float(value) if np.isfinite(value) else None
