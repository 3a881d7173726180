"""The 3-D surface of a 2-D landscape, scaled as its contour map is: on a log axis of
f - min f where the map is log (Beale's valley is flat on a linear axis to 180,000),
with few, readable ticks; as a mesh, or lit the way the lecture animations are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import LightSource, LogNorm
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..landscapes import Landscape
from .drawing import MINIMUM, domain_ring, values_at
from .framing import Box, past_domain
from .style import contour_field, evaluate_grid

SURFACE_CMAP = "coolwarm"
Look = Literal["mesh", "lit"]
LOOKS = ("mesh", "lit")
Height = Callable[[np.ndarray], np.ndarray]


def draw_surface(
    ax: Axes,
    land: Landscape,
    resolution: int = 120,
    box: Box | None = None,
    look: Look = "mesh",
) -> Height:
    """The surface over ``box`` (default: the domain), seen from the landscape's view.

    Returns how a value of f is placed on the z axis (log10 of f - min f on a log
    surface), for the paths and balls drawn on it.
    """
    ax.computed_zorder = False  # paths and balls stay on top of the surface
    box = box or land.domain
    x, y, z = evaluate_grid(land, resolution, box)
    if not np.nanmax(z) > np.nanmin(z):
        raise ValueError("the landscape is constant over its domain: nothing to shade")
    height, log, label = surface_scale(land, z)
    shown = height(z)
    low, high = float(np.nanmin(shown)), float(np.nanmax(shown))
    if look == "lit":
        # shaded by a light from the upper left, colours by height: no grid lines
        ax.plot_surface(x, y, shown, facecolors=lit_colours(shown), linewidth=0, antialiased=False,
                        rstride=1, cstride=1, shade=False, zorder=1)  # fmt: skip
    else:
        ax.plot_surface(x, y, shown, cmap=SURFACE_CMAP, edgecolor="grey", linewidth=0.15,
                        alpha=0.75, rstride=max(resolution // 40, 1),
                        cstride=max(resolution // 40, 1), antialiased=True, zorder=1)  # fmt: skip
    if past_domain(box, land):
        _edge_on_surface(ax, land, height, box)
    (x0, x1), (y0, y1) = box
    for minimum in land.minima:
        (mx, my), value = minimum.point, minimum.value
        if x0 <= mx <= x1 and y0 <= my <= y1:
            ax.plot([mx], [my], height(np.array([value])), **MINIMUM, zorder=3)
    ax.set_xlim(*box[0])
    ax.set_ylim(*box[1])
    ax.set_zlim(low, high)
    ax.view_init(*land.view)
    ax.set_box_aspect(None, zoom=0.9)  # room for the z label inside the figure
    _readable_axes(ax, log, label)
    return height


def lit_colours(heights: np.ndarray) -> np.ndarray:
    """RGBA per grid point (R, C, 4): the colour map by height, shaded by a light from
    the upper left, heights and sides on one unit scale so that every landscape is
    shaded alike."""
    low, high = float(np.nanmin(heights)), float(np.nanmax(heights))
    unit = (np.nan_to_num(heights, nan=low) - low) / (high - low)
    rows, columns = unit.shape
    light = LightSource(azdeg=315, altdeg=35)
    # soft light keeps each colour's hue (low stays blue, high red) while it shades
    return light.shade(unit, cmap=colormaps[SURFACE_CMAP], blend_mode="soft", vert_exag=1.2,
                       dx=1 / (columns - 1), dy=1 / (rows - 1))  # fmt: skip


class _Inner(MaxNLocator):
    """Nice ticks, leaving out those within a tenth of the range of either end."""

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        ticks = super().tick_values(vmin, vmax)
        low, high = min(vmin, vmax), max(vmin, vmax)
        margin = 0.1 * (high - low)
        return ticks[(ticks >= low + margin) & (ticks <= high - margin)]


def surface_scale(land: Landscape, z: np.ndarray) -> tuple[Height, bool, str]:
    """How values of f are placed on the z axis of a surface sampled as ``z``, as its
    contour map shades them: the placing, whether it is log10(f - min f), and its label."""
    _, _, norm, label = contour_field(land, z)
    return _height_on(norm, float(np.nanmin(z[np.isfinite(z)]))), isinstance(norm, LogNorm), label


def _height_on(norm: object, low: float) -> Height:
    """Where f goes on the z axis: f itself, or log10(f - min f) kept above the
    lowest contour level's floor on a log map."""
    if not isinstance(norm, LogNorm):
        return lambda values: np.asarray(values, dtype=float)
    # as the map shows everything under its lowest level in one colour, the surface
    # flattens it there: a valley narrower than the grid makes no comb of spikes
    floor = float(norm.vmin)

    def height(values: np.ndarray) -> np.ndarray:
        above = np.asarray(values, dtype=float) - low
        with np.errstate(invalid="ignore"):
            return np.log10(np.maximum(above, floor))

    return height


def _readable_axes(ax: Axes, log: bool, label: str) -> None:
    """Few ticks, set off from the axes, and the z label clear of the tick labels."""
    for axis in (ax.xaxis, ax.yaxis):  # none at the ends: x's and y's meet at a corner
        axis.set_major_locator(_Inner(5, steps=[1, 2, 2.5, 5, 10]))
    if log:
        ax.zaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.zaxis.set_major_formatter(FuncFormatter(lambda v, _: f"$10^{{{round(v)}}}$"))
    else:
        ax.zaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(axis="both", pad=1)
    ax.tick_params(axis="z", pad=6)
    ax.set_xlabel("$x$", labelpad=2)
    ax.set_ylabel("$y$", labelpad=2)
    ax.set_zlabel(label.replace(" (log scale)", "") if log else "$f$", labelpad=10)


def _edge_on_surface(ax: Axes, land: Landscape, height: Height, box: Box) -> None:
    """The domain's edge drawn on the surface, dashed, where the box shows it."""
    edge = domain_ring(land, box)
    z = height(values_at(land, edge))
    ax.plot(edge[:, 0], edge[:, 1], z, color="white", linewidth=1.2, linestyle=(0, (5, 3)),
            zorder=2)  # fmt: skip
