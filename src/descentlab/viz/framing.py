"""What a picture of a race shows: the region its paths cover plus the known minima,
with a margin, or the limits a user gives (``xlim``, ``ylim``).

A race on Beale fills a sixth of the domain; framed on its paths it fills the picture.
The frame never reaches more than a margin past the domain (a diverging run would
otherwise zoom out to nothing), and where it passes the domain's edge the pictures
mark that edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Race
from ..landscapes import Landscape

Box = tuple[tuple[float, float], tuple[float, float]]
MARGIN = 0.08  # of the framed span, on each side
REACH = 0.06  # how far past the domain's edge a frame may go, as a share of its span
SMALLEST = 0.1  # the smallest frame, as a share of the domain's span
THINNEST = 0.5  # the short side of a frame is at least this share of the long one


def limits(name: str, value: Any) -> tuple[float, float] | None:
    """``value`` as a (low, high) pair of finite numbers with low < high, or None."""
    if value is None:
        return None
    ok = (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(math.isfinite(v) for v in value)
        and value[0] < value[1]
    )
    if not ok:
        raise ValueError(f"{name} must be two finite numbers (low, high) with low < high, "
                         f"got {value!r}")  # fmt: skip
    return float(value[0]), float(value[1])


def frame(race: Race, xlim: Any = None, ylim: Any = None) -> Box:
    """The x and y limits a picture of a 2-D race shows: ``xlim``/``ylim`` where given,
    else the span of its recorded points inside the domain, its starts and the known
    minima, widened by a margin (and to at least a tenth of the domain, and to a
    short side of at least half the long one), never more than a little past the domain.
    """
    given = limits("xlim", xlim), limits("ylim", ylim)
    land = race.landscape
    for name, pair, (low, high) in zip(("xlim", "ylim"), given, land.domain, strict=True):
        if pair is not None and (pair[1] <= low or pair[0] >= high):
            raise ValueError(f"{name} ({pair[0]:g}, {pair[1]:g}) shows none of the domain, "
                             f"which spans {low:g} to {high:g}")  # fmt: skip
    if all(given):
        return given  # type: ignore[return-value]
    points = [np.asarray(race.starts, dtype=float).reshape(-1, 2)]
    points += [np.asarray([m.point for m in land.minima], dtype=float).reshape(-1, 2)]
    steps = race.positions.shape[2]
    for k in range(race.positions.shape[0]):
        for s in range(race.positions.shape[1]):
            at = int(race.diverged_at[k, s])
            points.append(race.positions[k, s, : steps if at < 0 else max(at, 1)])
    cloud = np.concatenate(points)
    lows, highs = np.asarray(land.domain, dtype=float).T
    inside = np.isfinite(cloud).all(axis=1) & ((cloud >= lows) & (cloud <= highs)).all(axis=1)
    cloud = cloud[inside]
    box = fit(cloud, land) if len(cloud) else land.domain
    return tuple(g if g is not None else b for g, b in zip(given, box, strict=True))  # type: ignore[return-value]


def fit(points: np.ndarray, land: Landscape) -> Box:
    """The frame around points (N, 2) inside a landscape's domain (see `frame`)."""
    lows, highs = np.asarray(land.domain, dtype=float).T
    span = highs - lows
    low, high = points.min(axis=0), points.max(axis=0)
    width = np.maximum(high - low, SMALLEST * span)
    centre = (low + high) / 2
    # a thin strip of paths gets room across it as well: in data units where the map
    # keeps equal scales, else in shares of the domain's sides
    equal = 0.25 <= span[0] / span[1] <= 4
    scale = np.ones(2) if equal else span / span.max()
    width = np.maximum(width, THINNEST * (width / scale).max() * scale)
    low, high = centre - width / 2, centre + width / 2
    low, high = low - MARGIN * width, high + MARGIN * width
    reach_low, reach_high = lows - REACH * span, highs + REACH * span
    # slide a frame that sticks out back in, then cut what still does
    shift = np.maximum(reach_low - low, 0) - np.maximum(high - reach_high, 0)
    low, high = np.maximum(low + shift, reach_low), np.minimum(high + shift, reach_high)
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def past_domain(box: Box, land: Landscape) -> bool:
    """Whether the frame shows anything outside the domain."""
    (x0, x1), (y0, y1) = box
    (a0, a1), (b0, b1) = land.domain
    return x0 < a0 or x1 > a1 or y0 < b0 or y1 > b1
