"""Static figures of landscapes and races (matplotlib Figures; save by extension)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import landscapes
from ..checks import one_of, whole_number
from ..engine import Race
from ..landscapes import Landscape
from ..train import Training, TrainingRun
from . import scene
from .drawing import (
    clip_path,
    colorbar,
    draw_contour,
    draw_curve,
    edge_point,
    legend_outside,
    outside_domain,
    trajectory,
)
from .framing import frame
from .style import START_STYLES, colours, halo, math, underlay
from .surfaces import LOOKS, Look, draw_surface
from .training import training_curves


def _landscape_of(subject: Landscape | Race | str) -> Landscape:
    if isinstance(subject, Race):
        return subject.landscape
    return landscapes.get(subject)


def landscape(subject: Landscape | str, resolution: int = 200) -> Figure:
    """The function alone: the 3-D surface beside its contour map (1-D: the curve)."""
    land = _landscape_of(subject)
    _check_resolution(resolution)
    if land.dim == 1:
        fig = Figure(figsize=(6.4, 4.2), layout="constrained")
        ax = fig.add_subplot()
        draw_curve(ax, land, resolution)
    else:
        fig = Figure(figsize=(12, 5), layout="constrained")
        draw_surface(fig.add_subplot(1, 2, 1, projection="3d"), land)
        ax = fig.add_subplot(1, 2, 2)
        filled = draw_contour(ax, land, resolution)
        colorbar(fig, ax, filled)
    fig.suptitle(f"{land.name}:  {math(land.formula)}")
    return fig


def _check_resolution(resolution: object) -> None:
    whole_number("resolution", resolution, low=2)


def _check_race(race: object, what: str) -> Race:
    if not isinstance(race, Race):
        raise TypeError(f"{what} draws a Race (from descentlab.run), got {type(race).__name__}")
    return race


def _picked_starts(race: Race, starts: Sequence[int] | None) -> list[int]:
    count = race.positions.shape[1]
    if starts is None:
        return list(range(count))
    picked = [starts] if isinstance(starts, int) else list(starts)
    if not picked or any(not isinstance(s, int) or not 0 <= s < count for s in picked):
        raise ValueError(f"starts must be indices in [0, {count - 1}], got {starts!r}")
    return picked


def trace(
    race: Race,
    starts: Sequence[int] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Trajectories over the landscape: on the curve (1-D) or on the contour map (2-D),
    start and known minima marked, the legend outside the data. With several starts,
    each has its own line style and a numbered marker, both named in the legend.
    A 2-D map frames the paths and the known minima, or ``xlim``/``ylim`` where given."""
    land = _check_race(race, "trace").landscape
    picked = _picked_starts(race, starts)
    if land.dim == 1 and (xlim is not None or ylim is not None):
        raise ValueError("xlim and ylim frame a 2-D map; a 1-D trace shows what its paths reach")
    box = frame(race, xlim, ylim) if land.dim == 2 else None
    if box is not None:  # the map keeps equal scales: fit the figure's height to it
        (x0, x1), (y0, y1) = box
        ratio = min(max((x1 - x0) / (y1 - y0), 0.25), 4.0)
        size = (8.5, min(max(7.0 / ratio + 1.4, 4.2), 9.0))
    else:
        size = (7.5, 4.5)
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    if land.dim == 1:
        lo, hi = _span_1d(race, picked)
        draw_curve(ax, land, 200, (lo, hi))
    else:
        filled = draw_contour(ax, land, box=box)
        colorbar(fig, ax, filled)
    leaving: list = []
    for k, (label, colour) in enumerate(zip(race.labels, colours(race.labels), strict=True)):
        for index, s in enumerate(picked):
            path = trajectory(race, k, s)
            if land.dim == 1:  # keep what the widened curve can show
                inside = (path[:, 0] >= lo) & (path[:, 0] <= hi)
                path = path[: int(np.argmin(inside))] if not inside.all() else path
            name = label if index == 0 else None
            style = START_STYLES[index % len(START_STYLES)]  # one line style per start
            if land.dim == 1:
                ax.plot(path[:, 0], race.losses[k, s, : len(path)], marker="o", color=colour,
                        linestyle=style, markersize=3.5, linewidth=1.0, markeredgecolor="black",
                        markeredgewidth=0.3, label=name)  # fmt: skip
            else:  # the axes clip what leaves the domain; a run that comes back shows
                underlay(ax, path[:, 0], path[:, 1], colour=colour, linewidth=1.4,
                         linestyle=style)  # fmt: skip
                ax.plot(path[:, 0], path[:, 1], marker="o", color=colour, linestyle=style,
                        markersize=2.5, linewidth=1.4, markeredgewidth=0,
                        label=name)  # fmt: skip
                if not outside_domain(path[-1:], box)[0]:
                    ax.plot(*path[-1], marker="o", markersize=7, color=colour,
                            markeredgecolor="black", zorder=6,
                            path_effects=halo(colour, 1.0))  # fmt: skip
                elif race.diverged_at[k, s] < 0:  # left the view: marked where it crossed
                    end = edge_point(path, box)
                    leaving.append((ax.plot(*end, color=colour, zorder=7)[0], end))
            if race.diverged_at[k, s] >= 0:
                end = (
                    edge_point(path, box)
                    if land.dim == 2
                    else (path[-1, 0], race.losses[k, s, len(path) - 1])
                )
                ax.plot(*end, marker="X", markersize=11, color=colour,
                        markeredgecolor="black", zorder=7)  # fmt: skip
    many = len(picked) > 1
    for s in picked:
        start = race.starts[s]
        point = (start[0], race.losses[0, s, 0]) if land.dim == 1 else tuple(start)
        ax.plot(*point, marker="o", markersize=15 if many else 8, color="white",
                markeredgecolor="black", zorder=7)  # fmt: skip
        if many:  # numbered, and named with its line style in the legend
            ax.annotate(str(s + 1), point, ha="center", va="center", fontsize=8.5, zorder=8)
    _name_marks(ax, race, picked, left=bool(leaving), starts=many)
    ax.set_title(f"{land.name}:  {math(land.formula)}", fontsize=10)
    if land.dim == 2:  # below the map, so that the map (and its colour bar) keep the width
        handles, labels = ax.get_legend_handles_labels()
        columns = 3 if max(map(len, labels), default=0) <= 24 else 2
        fig.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False)
    else:
        legend_outside(fig, ax)
    fig.draw_without_rendering()  # the triangles point out as the laid-out view shows
    for mark, end in leaving:
        mark.set(**scene.edge_marker(ax, end, 13))
    return fig


def _span_1d(race: Race, picked: list[int]) -> tuple[float, float]:
    """The x-range of a 1-D picture: the domain, widened (up to 3x) to show iterates
    that overshoot it, as the textbook's pictures of too large a step do."""
    low, high = race.landscape.domain[0]
    width = high - low
    points = np.concatenate([trajectory(race, k, s, clip=False)[:, 0]
                             for k in range(len(race.labels)) for s in picked])  # fmt: skip
    return max(low - width, min(low, points.min())), min(high + width, max(high, points.max()))


def surface(
    race: Race,
    starts: Sequence[int] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    look: Look = "mesh",
) -> Figure:
    """The 3-D surface with the trajectories lying on it, framed on the paths and the
    known minima, or on ``xlim``/``ylim`` where given; a mesh (coolwarm, grey edges),
    or with ``look="lit"`` shaded by a light. A path that leaves the view ends in a
    hollow triangle at the edge, a diverged one in an X."""
    land = _check_race(race, "surface").landscape
    if land.dim != 2:
        raise ValueError(f"a surface needs a 2-D landscape; {land.name} has {land.dim}")
    one_of("look", look, LOOKS)
    picked = _picked_starts(race, starts)
    box = frame(race, xlim, ylim)
    fig = Figure(figsize=(8.5, 6.5), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    lift = scene.lifter(land, draw_surface(ax, land, box=box, look=look))
    leaving = []
    for k, (label, colour) in enumerate(zip(race.labels, colours(race.labels), strict=True)):
        for index, s in enumerate(picked):
            whole = trajectory(race, k, s)
            path, _ = clip_path(whole, box)
            ax.plot(path[:, 0], path[:, 1], lift(path), color=colour, linewidth=2.2, zorder=10,
                    linestyle=START_STYLES[index % len(START_STYLES)],
                    label=label if index == 0 else None,
                    path_effects=halo(colour, 2.2))  # fmt: skip
            end = edge_point(whole, box)
            if race.diverged_at[k, s] >= 0 or not outside_domain(whole[-1:], box)[0]:
                marker, size = ("X", 10) if race.diverged_at[k, s] >= 0 else ("o", 8)
                ax.plot(*([v] for v in end), lift(end[None]), marker=marker, markersize=size,
                        color=colour, markeredgecolor="black", zorder=11)  # fmt: skip
            else:
                (mark,) = ax.plot(*([v] for v in end), lift(end[None]), color=colour, zorder=11)
                leaving.append((mark, end))
    if len(picked) > 1:
        scene.number_starts(ax, race.starts[picked], lift, [s + 1 for s in picked], zorder=12)
    ax.set_title(f"{land.name}:  {math(land.formula)}", fontsize=10)
    _name_marks(ax, race, picked, left=bool(leaving), starts=len(picked) > 1)
    legend_outside(fig, ax)
    fig.draw_without_rendering()  # the triangles point out as the laid-out view shows
    for mark, end in leaving:
        mark.set(**scene.edge_marker(ax, end, 13, lift))
    return fig


def _name_marks(ax: Axes, race: Race, picked: list[int], *, left: bool, starts: bool) -> None:
    """Legend entries for each start's line style and for the marks drawn."""
    diverged = bool((race.diverged_at[:, picked] >= 0).any())
    keys, labels = scene.key_entries(race, picked if starts else [], left=left, diverged=diverged)
    empty = ([], [], []) if ax.name == "3d" else ([], [])
    for key, label in zip(keys, labels, strict=True):
        (line,) = ax.plot(*empty)  # a line of the axes' own kind, styled as the key
        line.update_from(key)
        # a line with no points is placed at the figure's corner: kept out of the layout,
        # which shrank the map to reach it
        line.set(label=label, in_layout=False)


def loss_curves(
    result: Race | Training | TrainingRun | Sequence[TrainingRun],
    gap: bool = False,
    log: bool = True,
) -> Figure:
    """Loss curves, one colour per optimizer.

    For a race: the loss (or with ``gap`` its distance to the known minimum value)
    against step, the median over starts as a line, the range as a band. For training
    runs (`fit`, `compare`): training and validation loss against epochs, and an
    accuracy panel for classification (see `training_curves`).
    """
    if isinstance(result, Training | TrainingRun) or (
        isinstance(result, list | tuple) and result and isinstance(result[0], TrainingRun)
    ):
        if gap:
            raise ValueError("gap applies to races on a landscape with a known minimum")
        return training_curves(result)
    land = _check_race(result, "loss_curves").landscape
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    steps = np.arange(result.positions.shape[2])
    target = land.min_value if gap else None
    if gap and target is None:
        raise ValueError(f"{land.name} has no known minimum value to measure a gap to")
    values = result.losses - (target or 0.0)  # (K, S, T+1)
    # trajectories end at their divergence, which the X marks
    alive = (
        np.arange(values.shape[2])
        < np.where(result.diverged_at < 0, values.shape[2], result.diverged_at)[..., None]
    )
    values = np.where(alive, values, np.nan)
    log = log and bool(np.nanmin(values) >= 0)  # a log scale would hide negative values
    for k, (label, colour) in enumerate(zip(result.labels, colours(result.labels), strict=True)):
        with warnings.catch_warnings():  # a step after every start diverged: NaN, not drawn
            warnings.simplefilter("ignore", RuntimeWarning)
            middle = np.nanmedian(values[k], axis=0)
            low, high = np.nanmin(values[k], axis=0), np.nanmax(values[k], axis=0)
        ax.plot(steps, np.maximum(middle, 1e-300) if log else middle, color=colour,
                linewidth=1.8, label=label)  # fmt: skip
        if values.shape[1] > 1:
            ax.fill_between(steps, low, high, color=colour, alpha=0.15)
        for s in np.flatnonzero(result.diverged_at[k] >= 0):
            at = int(result.diverged_at[k, s]) - 1
            ax.plot(max(at, 0), values[k, s, max(at, 0)], marker="X", color=colour,
                    markeredgecolor="black", markersize=9)  # fmt: skip
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(r"$f - f^\star$" if gap else "$f$")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(f"{land.name}:  {math(land.formula)}", fontsize=10)
    legend_outside(fig, ax)
    return fig


def ema_weights(betas: Sequence[float] = (0.98, 0.95, 0.9, 0.8), steps: int = 40) -> Figure:
    """The weights (1 - b) b^t that an exponentially weighted average gives a value t
    steps back: the picture that explains momentum."""
    betas = [betas] if isinstance(betas, int | float) else list(betas)
    if not betas or isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"give at least one beta and steps >= 2, got {betas!r} and {steps!r}")
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    t = np.arange(steps)
    for beta in betas:
        if isinstance(beta, bool) or not isinstance(beta, int | float) or not 0 <= beta < 1:
            raise ValueError(f"each beta must be in [0, 1), got {beta!r}")
        ax.plot(t, (1 - beta) * beta**t, "-o", markersize=3,
                label=rf"$\beta = {beta:g}$: about {1 / (1 - beta):g} steps of memory")  # fmt: skip
    ax.set_xlabel("steps back, $t$")
    ax.set_ylabel(r"weight $(1-\beta)\,\beta^t$")
    ax.set_title(r"Exponentially weighted average: $m_t = \beta\,m_{t-1} + (1-\beta)\,g_t$")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return fig
