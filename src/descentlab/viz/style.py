"""Colours and shared helpers: one colour per optimizer, the same in every figure."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize, to_rgb
from matplotlib.ticker import MaxNLocator

from .. import optim
from ..landscapes import Landscape

# one colour per registry name (declared with each optimizer in the registry)
OPTIMIZER_COLOURS = {name: optim.info(name).colour for name in optim.available()}
# for repeats and unknown factories: far from the colours above and from the grey that
# marks divergence (tests/viz/test_colours.py holds all of them to the same contrasts)
# several starts are told apart by line style (the colour stays the optimizer's)
START_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
# the named ones plotly knows; patterns become pixel lengths (see `plotly_dash`)
PLOTLY_DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}
_SPARE = ["#000000", "#a5fff0", "#b4d296", "#78004b", "#78ffb4", "#3c0000", "#f0c3ff"]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a colour, 0 (black) to 1 (white)."""
    rgb = np.asarray(to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def outline(colour: str) -> str:
    """The halo drawn around a path: white around dark colours, black around light ones.

    No colour contrasts with both ends of viridis, so a path is seen by its colour where
    the map is light and by this halo where the map is dark (or the other way round).
    """
    # the luminance at which white and black contrast equally with the colour
    return "#ffffff" if luminance(colour) < 0.179 else "#000000"


def halo(colour: str, linewidth: float = 1.4) -> list[patheffects.AbstractPathEffect]:
    """Path effects for a line or marker: a thin outline in `outline(colour)` beneath it."""
    stroke = patheffects.Stroke(linewidth=linewidth + 1.0, foreground=outline(colour))
    return [stroke, patheffects.Normal()]


def underlay(
    ax: Axes, *coordinates: np.ndarray, colour: str, linewidth: float = 1.4, linestyle: Any = "-"
) -> None:
    """The halo of a line drawn with step markers, as a wider line in `outline(colour)` to
    draw first: a stroke around each small marker would turn it into a ring of the halo."""
    ax.plot(*coordinates, linestyle=linestyle, color=outline(colour),
            linewidth=linewidth + 1.0, solid_capstyle="round")  # fmt: skip


def plotly_dash(index: int, width: float) -> str:
    """The index-th start's line style (`START_STYLES`, repeating) as plotly's
    ``line.dash`` for a line ``width`` px wide: matplotlib's dash lengths are in widths."""
    style = START_STYLES[index % len(START_STYLES)]
    if isinstance(style, str):
        return PLOTLY_DASHES[style]
    return ",".join(f"{length * width:g}px" for length in style[1])


def optimizer_name(label: str) -> str:
    """The registry name in a label: 'adam(lr=0.1)' -> 'adam', 'torch.Adam' -> 'adam'."""
    name = label.split("(", 1)[0].split("#", 1)[0].strip().lower()
    return name.removeprefix("torch.").removeprefix("optim.")


def colours(labels: list[str]) -> list[str]:
    """A colour per label: the optimizer's own, or a spare one for repeats and strangers."""
    chosen: list[str] = []
    spare = iter(_SPARE * (1 + len(labels) // len(_SPARE)))
    for label in labels:
        colour = OPTIMIZER_COLOURS.get(optimizer_name(label))
        if colour is None or colour in chosen:
            colour = next(spare)
        chosen.append(colour)
    return chosen


def evaluate_grid(
    land: Landscape, resolution: int = 200, box: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, Y and f(X, Y) on a regular grid over ``box`` ((x0, x1), (y0, y1)), by default
    the 2-D landscape's domain."""
    (x0, x1), (y0, y1) = box if box is not None else land.domain
    x = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    y = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    grid_x, grid_y = torch.meshgrid(x, y, indexing="xy")
    with torch.no_grad():
        z = land(grid_x, grid_y)
    return grid_x.numpy(), grid_y.numpy(), z.numpy()


def contour_field(
    land: Landscape, z: np.ndarray, count: int = 30
) -> tuple[np.ndarray, np.ndarray, Normalize, str]:
    """What to shade, its levels, their normalisation and the colour-bar label.

    Where the landscape hints so (valleys spanning orders of magnitude) the field is
    f - min f on log-spaced levels; else f itself on linear levels.
    """
    finite = z[np.isfinite(z)]
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        raise ValueError("the landscape is constant over its domain: nothing to shade")
    above = finite - low
    # log levels where hinted, or where values span more than three decades
    spread = high - low
    wide = np.percentile(above, 50) < spread * 1e-3
    if land.levels == "log" or wide:
        floor = max(float(np.percentile(above[above > 0], 1)), spread * 1e-9)
        # values under the lowest level stay under it (not clipped onto it, which draws
        # that level's contour as a staircase of grid cells); positive for the log
        shifted = np.maximum(z - low, floor * 1e-6)
        levels = np.geomspace(floor, spread, count)
        return shifted, levels, LogNorm(vmin=floor, vmax=spread), r"$f - \min f$ (log scale)"
    levels = MaxNLocator(count).tick_values(low, high)
    return z, levels, Normalize(vmin=levels[0], vmax=levels[-1]), "$f$"


def math(formula: str) -> str:
    """A LaTeX formula as matplotlib mathtext."""
    return f"${formula}$"
