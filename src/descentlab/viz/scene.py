"""The figure an animation draws its frames on: the landscape's panels, drawn once, and
the moving artists (trails, balls, the step counter) with the function that moves
them to a step.

Text is sized for the picture's pixels: at the default sizes every label is 13 px or
more, the title 16 px, and the legend sits below the panels, where it hides no path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patheffects import Normal, Stroke
from matplotlib.textpath import text_to_path
from mpl_toolkits.mplot3d import proj3d

from .drawing import clip_path, colorbar, draw_contour, outward, values_at, view_box
from .framing import Box
from .overlay import overlay_artists
from .style import START_STYLES, colours, halo, math
from .surfaces import Height, draw_surface

if TYPE_CHECKING:
    from .animate import Animation

TITLE, TEXT, SMALL = 12.0, 10.0, 9.0  # points: 16.7, 13.9 and 12.5 px at 100 dpi
BALL = dict(marker="o", linestyle="none", markersize=9, markerfacecolor="auto",
             markeredgecolor="black", markeredgewidth=1.0, path_effects=[])  # fmt: skip
# a ball that left the view: hollow, in its colour, outlined for contrast on any map
EDGE = dict(markerfacecolor="none", markeredgecolor="auto", markeredgewidth=2.0,
             path_effects=[Stroke(linewidth=3.4, foreground="black"), Normal()])  # fmt: skip
TIP = np.array([[0.0, 0.0], [-1.0, 0.577], [-1.0, -0.577], [0.0, 0.0]])  # points along +x


def build(animation: Animation) -> tuple[Figure, list[Artist], Callable[[int], None]]:
    """The figure, its animated artists (per trajectory its trail then its ball, then
    the counter, the overlay and the loss cursor) and ``update(step)``."""
    race, land = animation.race, animation.race.landscape
    width, height = animation.size
    fig = Figure(figsize=(width / animation.dpi, height / animation.dpi), dpi=animation.dpi,
                 layout="constrained")  # fmt: skip
    axes: list[Axes] = []
    heights: Height | None = None
    columns = 2 if animation.view == "both" else 1
    grid = fig.add_gridspec(2 if animation.loss else 1, columns,
                            height_ratios=[3, 1] if animation.loss else [1])  # fmt: skip
    if animation.view in ("surface", "both"):
        ax3 = fig.add_subplot(grid[0, 0], projection="3d")
        resolution = 90 if animation.look == "lit" else 50
        heights = draw_surface(ax3, land, resolution, animation.box, animation.look)
        axes.append(ax3)
    if animation.view in ("contour", "both"):
        ax2 = fig.add_subplot(grid[0, columns - 1])
        filled = draw_contour(ax2, land, resolution=160, box=animation.box)
        if animation.view == "contour":
            colorbar(fig, ax2, filled)
        axes.append(ax2)
    for ax in axes:
        ax.tick_params(labelsize=SMALL)
        ax.xaxis.label.set_fontsize(TEXT)
        ax.yaxis.label.set_fontsize(TEXT)
    # the title on the left, the step counter on the right: neither covers the map
    fig.suptitle(f"{land.name}:  {math(land.formula)}", fontsize=TITLE, x=0.01, ha="left")

    starts = race.positions.shape[1]
    lift = lifter(land, heights)
    moving: list[tuple[Artist, Artist, int, int, bool]] = []
    for k, colour in enumerate(colours(race.labels)):
        for s in range(starts):
            style = START_STYLES[s % len(START_STYLES)]
            for ax in axes:
                three = ax.name == "3d"
                line = 2.0 if three else 1.8
                empty = ([], [], []) if three else ([], [])
                # each trail in a thin outline, so it shows on both ends of every map
                (trail,) = ax.plot(*empty, color=colour, linewidth=line, linestyle=style,
                                   path_effects=halo(colour, line))  # fmt: skip
                (ball,) = ax.plot(*empty, color=colour, **BALL)
                moving.append((trail, ball, k, s, three))
    numbered: list[Artist] = []
    if starts > 1:
        for ax in axes:
            numbered += number_starts(ax, race.starts, lift if ax.name == "3d" else None)
    overlays = overlay_artists(race, axes[-1]) if animation.overlay else []
    cursor = _loss_panel(fig.add_subplot(grid[1, :]), animation) if animation.loss else None
    tracks = {(k, s, ax.name == "3d"): _track(race.positions[k, s], view_box(ax), lift, ax)
              for k in range(len(race.labels)) for s in range(starts) for ax in axes}  # fmt: skip
    _legend(fig, animation, tracks)
    counter = fig.text(0.99, 0.99, "", ha="right", va="top", fontsize=TITLE, family="monospace")
    # the numbered starts over the trails that leave them
    artists = [a for trail, ball, *_ in moving for a in (trail, ball)] + numbered + [counter]
    artists += [line for line, *_ in overlays]
    if cursor is not None:
        artists.append(cursor)
    for artist in artists:  # moving artists never move the layout
        artist.set(animated=True, in_layout=False)
    # drawn in this order (`Animation.frames` sorts by it): trails, then the numbered
    # starts, then the balls over every trail, then the counter
    for trail, ball, *_ in moving:
        trail.set_zorder(3)
        ball.set(zorder=5, clip_on=False)  # a mark on the view's edge is drawn whole
    for artist in numbered:
        artist.set_zorder(4)
    counter.set_zorder(6)
    nested = [16 + 5 * min(len(race.labels) - 1 - k, 4) for k in range(len(race.labels))]

    def update(step: int) -> None:
        for trail, ball, k, s, three in moving:
            at = race.diverged_at[k, s]
            shown = step if at < 0 else min(step, max(int(at) - 1, 0))
            first = 0 if animation.trail is None else max(0, shown - animation.trail)
            points, lifted, ends, seen, ax = tracks[k, s, three]
            cut = slice(ends[first] - 1, ends[shown])
            gone = at >= 0 and step >= at
            last = seen[ends[shown] - 1]
            left = not gone and (last < 0 or last != ends[shown] - 1)
            end = points[last] if last >= 0 else _clamp(race.positions[k, s, 0], ax)
            # nested sizes: balls that leave at the same place all stay seen
            ball.set(**(edge_marker(ax, end, nested[k], lift) if left else BALL))
            if gone:  # nested sizes too: runs that diverge at one place all stay seen
                ball.set(marker="X", markersize=10 + 2 * min(len(race.labels) - 1 - k, 4))
            if three:
                trail.set_data_3d(points[cut, 0], points[cut, 1], lifted[cut])
                z = lifted[last] if last >= 0 else lift(end[None])[0]
                ball.set_data_3d([end[0]], [end[1]], [z])
            else:
                trail.set_data(points[cut, 0], points[cut, 1])
                ball.set_data([end[0]], [end[1]])
        counter.set_text(f"step {step:>4d} / {race.steps}")
        for line, draw in overlays:
            draw(line, step)
        if cursor is not None:
            cursor.set_xdata([step, step])

    return fig, artists, update


Lift = Callable[[np.ndarray], np.ndarray]


def lifter(land: object, heights: Height | None) -> Lift:
    """Points (M, 2) to their heights on the drawn surface; NaN rows stay NaN."""

    def lift(points: np.ndarray) -> np.ndarray:
        z = values_at(land, points)  # type: ignore[arg-type]
        return heights(z) if heights is not None else z

    return lift


def _track(path: np.ndarray, box: Box, lift: Lift, ax: Axes) -> tuple:
    """One trajectory cut to the view, once: its points, their heights on the surface,
    how many points draw it up to each step, and per point the index of the last point
    in view so far (-1: none yet)."""
    points, ends = clip_path(path, box)
    lifted = lift(points) if ax.name == "3d" else None
    seen = np.where(np.isnan(points[:, 0]), -1, np.arange(len(points)))
    return points, lifted, ends, np.maximum.accumulate(seen), ax


def edge_marker(ax: Axes, point: np.ndarray, size: float, lift: Lift | None = None) -> dict:
    """Marker settings of a hollow triangle with its tip on the view's edge at
    ``point``, pointing out of the view (on a 3-D axes, as the edge is seen)."""
    box = view_box(ax)
    ahead = point + 1e-3 * outward(point, box) * np.ptp(np.asarray(box), axis=1)
    ends = np.stack([point, ahead])
    if ax.name == "3d" and lift is not None:
        xs, ys, _ = proj3d.proj_transform(*ends.T, lift(ends), ax.get_proj())
        screen = ax.transData.transform(np.column_stack([xs, ys]))
    else:
        screen = ax.transData.transform(ends)
    dx, dy = screen[1] - screen[0]
    angle = float(np.arctan2(dy, dx)) if dx or dy else 0.0
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return {**EDGE, "marker": TIP @ turn, "markersize": size}


def _clamp(point: np.ndarray, ax: Axes) -> np.ndarray:
    """The point moved onto the view's box."""
    lows, highs = np.asarray(view_box(ax)).T
    return np.clip(point, lows, highs)


def number_starts(
    ax: Axes,
    starts: np.ndarray,
    lift: Lift | None,
    numbers: list[int] | None = None,
    zorder: float = 7,
) -> list[Artist]:
    """A white disc with the start's number (default 1, 2, ...) on each start; returns
    the discs and numbers drawn."""
    points = np.asarray(starts, dtype=float)
    drawn: list[Artist] = []
    for number, point in zip(numbers or range(1, len(points) + 1), points, strict=True):
        where = (*point, lift(point[None])[0]) if lift is not None else tuple(point)
        drawn += ax.plot(*([v] for v in where), marker="o", markersize=15, color="white",
                         markeredgecolor="black", zorder=zorder)  # fmt: skip
        drawn.append(ax.text(*where, str(number), ha="center", va="center", fontsize=SMALL,
                             zorder=zorder + 1))  # fmt: skip
    return drawn


def key_entries(
    race: object, picked: list[int], *, left: bool, diverged: bool
) -> tuple[list[Line2D], list[str]]:
    """Legend entries beside the optimizers': each picked start by its line style (when
    there are several), and the marks of a ball that left the view or diverged."""
    handles: list[Line2D] = []
    labels: list[str] = []
    if len(picked) > 1:
        for index, s in enumerate(picked):
            style = START_STYLES[index % len(START_STYLES)]
            handles.append(Line2D([], [], color="0.25", linewidth=1.8, linestyle=style))
            where = ", ".join(f"{v:.3g}" for v in np.asarray(race.starts[s], dtype=float))  # type: ignore[attr-defined]
            labels.append(f"start {s + 1}: ({where})")
    if left:
        mark = {**EDGE, "marker": TIP, "markersize": 12, "linestyle": "none"}
        handles.append(Line2D([], [], color="0.25", **mark))
        labels.append("left the view here")
    if diverged:
        handles.append(Line2D([], [], marker="X", color="0.25", markeredgecolor="black",
                              markersize=10, linestyle="none"))  # fmt: skip
        labels.append("diverged")
    return handles, labels


def _legend(fig: Figure, animation: Animation, tracks: dict) -> None:
    """Below the panels (or beside a map about as tall as wide): the optimizers, each
    start (named by its line style), and the marks of a ball that left the view or
    diverged, where any did."""
    race = animation.race
    handles: list[Artist] = [
        Line2D([], [], color=colour, linewidth=1.8, **{**BALL, "linestyle": "-"})
        for colour in colours(race.labels)
    ]
    labels = list(race.labels)
    shown = int(animation.steps[-1])
    diverged = ((race.diverged_at >= 0) & (race.diverged_at <= shown)).any()
    left = any(
        seen[ends[shown] - 1] != ends[shown] - 1
        for (k, s, _), (_, _, ends, seen, _) in tracks.items()
        if not 0 <= race.diverged_at[k, s] <= shown
    )
    keys, names = key_entries(race, list(range(race.positions.shape[1])), left=left,
                              diverged=bool(diverged))  # fmt: skip
    handles += keys
    labels += names
    # as many columns as the widest entry allows (2.6 em of line, 0.8 em to its text,
    # 2 em between columns)
    font = FontProperties(size=SMALL)
    em = SMALL * animation.dpi / 72
    widest = max(text_to_path.get_text_width_height_descent(label, font, ismath=False)[0]
                 for label in labels) * animation.dpi / 72  # fmt: skip
    width, height = animation.size
    (x0, x1), (y0, y1) = animation.box
    # a map about as tall as wide, alone, leaves room at its side: the legend goes there,
    # and the map keeps the height a legend below would take
    beside = (
        animation.view == "contour"
        and not animation.loss
        and (y1 - y0) / (x1 - x0) >= 0.8 * height / width
        and widest + 5.4 * em <= 0.3 * width
    )
    if beside:
        # at the bottom: the step counter holds the top right corner
        fig.legend(handles, labels, loc="outside right lower", frameon=False, fontsize=SMALL,
                   handlelength=2.6)  # fmt: skip
        return
    columns = max(1, min(len(labels), int(0.96 * width // (widest + 5.4 * em))))
    fig.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False,
               fontsize=SMALL, handlelength=2.6)  # fmt: skip


def _loss_panel(ax: Axes, animation: Animation) -> Artist:
    """Every loss curve drawn in full and faint, in its start's line style; a cursor
    marks the current step."""
    race, land = animation.race, animation.race.landscape
    target = land.min_value
    values = race.losses - (target if target is not None else 0.0)
    log = target is not None and bool(np.all(values[np.isfinite(values)] >= 0))
    steps = np.arange(race.positions.shape[2])
    for k, colour in enumerate(colours(race.labels)):
        for s in range(race.positions.shape[1]):
            ax.plot(steps, np.maximum(values[k, s], 1e-12) if log else values[k, s],
                    color=colour, linewidth=1.4, alpha=0.8,
                    linestyle=START_STYLES[s % len(START_STYLES)])  # fmt: skip
    if log:
        ax.set_yscale("log")
    ax.set_xlim(0, steps[-1])
    ax.set_xlabel("step", fontsize=SMALL)
    ax.set_ylabel(r"$f - f^\star$" if log else "$f$", fontsize=SMALL)
    ax.tick_params(labelsize=SMALL)
    ax.grid(alpha=0.3)
    return ax.axvline(0, color="black", linewidth=1.0)
