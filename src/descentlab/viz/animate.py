"""Animations of races: balls and trails on the contour map, the 3-D surface, or both.

Frames are rendered by blitting: the landscape is drawn once, and each frame only
redraws the moving artists over a saved background. The frames are written
to files by `encoding` (GIF, MP4, an HTML player); no ImageMagick, no pyplot state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patheffects import Normal, Stroke
from mpl_toolkits.mplot3d import proj3d

from ..checks import one_of, real_number, whole_number
from ..defaults import FPS, MAX_FPS, VIEW, VIEWS
from ..engine import Race
from .drawing import Box, clip_path, colorbar, draw_contour, draw_surface, outward, view_box
from .encoding import player_html, write_atomically, write_gif, write_mp4
from .framing import frame
from .style import colours, halo, math

View = Literal["contour", "surface", "both"]
FORMATS = (".gif", ".mp4", ".html")
HOLD = 1.5  # seconds the last frame stays before a GIF or the page loops
MP4_HOLD = 1.5  # seconds on the last frame: a looping player (the gallery's) pauses there


class Animation:
    """A race as a sequence of frames; `save` writes .gif, .mp4 or .html.

    ``duration`` (seconds) picks how many steps are shown at ``fps``; the last frame
    then stays ``hold`` seconds more before it loops (by default 1.5 s in a GIF and
    the page, none in an MP4; 0 for none anywhere).
    The view frames the paths and the known minima (see `framing.frame`), or
    ``xlim``/``ylim`` where given.
    A ball that leaves the view is marked where it crossed the edge by a hollow
    triangle pointing out; a diverged run ends in an X."""

    def __init__(
        self,
        race: Race,
        view: View = VIEW,
        *,
        fps: int = FPS,
        duration: float | None = None,
        hold: float | None = None,
        trail: int | None = None,
        loss: bool = False,
        overlay: bool = False,
        size: tuple[int, int] | None = None,
        dpi: int = 100,
        xlim: tuple[float, float] | None = None,
        ylim: tuple[float, float] | None = None,
    ) -> None:
        if not isinstance(race, Race):
            raise TypeError(
                f"animate draws a Race (from descentlab.run), got {type(race).__name__}"
            )
        if race.landscape.dim != 2:
            raise ValueError(f"animations need a 2-D landscape; {race.landscape.name} has 1")
        one_of("view", view, VIEWS)
        whole_number("fps", fps, low=1, high=MAX_FPS)
        if size is None:  # the side-by-side view needs room for two panels, a loss panel more
            size = (1120 if view == "both" else 640, 640 if loss else 480)
        ok = (
            isinstance(size, tuple | list)
            and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
            and size[0] % 2 == 0
            and size[1] % 2 == 0
            and 160 <= size[0] <= 3840
            and 120 <= size[1] <= 2160
        )
        if not ok:
            raise ValueError(
                f"size must be even numbers of pixels from 160 x 120 to 3840 x 2160, got {size!r}"
            )
        width, height = size
        if duration is not None:
            real_number("duration (seconds)", duration, above=True)
        if hold is not None:
            real_number("hold (seconds)", hold)
        if trail is not None:
            whole_number("trail (steps)", trail, low=1)
        whole_number("dpi", dpi, low=20, high=600)
        if overlay and not race.states:
            raise ValueError("the state overlay needs a race run with record_state=True")
        if overlay and view == "surface":
            raise ValueError(
                "the state overlay is drawn on the contour map; use view='contour' or 'both'"
            )
        self.race, self.view, self.fps, self.trail, self.loss = race, view, fps, trail, loss
        self.overlay = overlay
        self.hold = HOLD if hold is None else float(hold)
        self.mp4_hold = MP4_HOLD if hold is None else float(hold)
        self.size, self.dpi = (int(width), int(height)), dpi
        self.box = frame(race, xlim, ylim)
        steps = race.positions.shape[2]
        count = steps if duration is None else max(2, min(steps, round(duration * fps)))
        self.steps = np.unique(np.linspace(0, steps - 1, count).round().astype(int))

    # -- drawing ----------------------------------------------------------------------

    def _scene(self) -> tuple[Figure, list[Artist], Callable[[int], None]]:
        race, land = self.race, self.race.landscape
        width, height = self.size
        fig = Figure(figsize=(width / self.dpi, height / self.dpi), dpi=self.dpi,
                     layout="constrained")  # fmt: skip
        axes = []
        columns = 2 if self.view == "both" else 1
        grid = fig.add_gridspec(2 if self.loss else 1, columns,
                                height_ratios=[3, 1] if self.loss else [1])  # fmt: skip
        if self.view in ("surface", "both"):
            ax3 = fig.add_subplot(grid[0, 0], projection="3d")
            draw_surface(ax3, land, resolution=50, box=self.box)
            axes.append(ax3)
        if self.view in ("contour", "both"):
            ax2 = fig.add_subplot(grid[0, columns - 1])
            filled = draw_contour(ax2, land, resolution=160, box=self.box)
            if self.view == "contour":
                colorbar(fig, ax2, filled)
            axes.append(ax2)
        fig.suptitle(f"{land.name}:  {math(land.formula)}", fontsize=9)
        moving: list[tuple[Artist, Artist, int, int, bool]] = []
        for k, (label, colour) in enumerate(zip(race.labels, colours(race.labels), strict=True)):
            for s in range(race.positions.shape[1]):
                for ax in axes:
                    three = ax.name == "3d"
                    name = label if s == 0 and ax is axes[-1] else None
                    # each trail in a thin outline, so it shows on the dark and the
                    # light ends of every map
                    width = 1.8 if three else 1.6
                    empty = ([], [], []) if three else ([], [])
                    (trail,) = ax.plot(*empty, color=colour, linewidth=width,
                                       path_effects=halo(colour, width))  # fmt: skip
                    (ball,) = ax.plot(*empty, color=colour, label=name, **_BALL)
                    moving.append((trail, ball, k, s, three))
        overlays = self._overlay_artists(axes[-1]) if self.overlay else []
        cursor = None
        if self.loss:
            cursor = self._loss_panel(fig.add_subplot(grid[1, :]), moving)
        handles, labels = axes[-1].get_legend_handles_labels()
        longest = max((len(label) for label in labels), default=10)
        ncols = max(1, min(len(labels), width // (7 * longest + 40)))
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols,
                   frameon=False, fontsize=7)  # fmt: skip
        counter = (
            axes[-1].text2D(0.02, 0.98, "", transform=axes[-1].transAxes)
            if (axes[-1].name == "3d")
            else axes[-1].text(0.02, 0.98, "", transform=axes[-1].transAxes)
        )
        box = dict(boxstyle="round", facecolor="white", alpha=0.8, linewidth=0)
        counter.set(fontsize=8, family="monospace", va="top", bbox=box)
        artists = [a for trail, ball, *_ in moving for a in (trail, ball)] + [counter]
        artists += [line for line, *_ in overlays]
        if cursor is not None:
            artists.append(cursor)
        for artist in artists:
            artist.set_animated(True)

        tracks = {(k, s, three): self._track(k, s, view_box(ax), ax)
                  for k in range(len(race.labels)) for s in range(race.positions.shape[1])
                  for ax in axes for three in [ax.name == "3d"]}  # fmt: skip

        def update(step: int) -> None:
            for trail, ball, k, s, three in moving:
                at = race.diverged_at[k, s]
                shown = step if at < 0 else min(step, max(int(at) - 1, 0))
                first = 0 if self.trail is None else max(0, shown - self.trail)
                points, heights, ends, seen, ax = tracks[k, s, three]
                cut = slice(ends[first] - 1, ends[shown])
                gone = at >= 0 and step >= at
                last = seen[ends[shown] - 1]
                left = not gone and (last < 0 or last != ends[shown] - 1)
                end = points[last] if last >= 0 else _clamp(race.positions[k, s, 0], ax)
                # nested sizes: balls that leave at the same place all stay seen
                size = 16 + 5 * min(len(race.labels) - 1 - k, 4)
                ball.set(**(self._edge_marker(ax, end, size) if left else _BALL))
                if gone:
                    ball.set_marker("X")
                if three:
                    trail.set_data_3d(points[cut, 0], points[cut, 1], heights[cut])
                    z = heights[last] if last >= 0 else _height(land, end[None])[0]
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

    def _track(self, k: int, s: int, box: Box, ax: Axes) -> tuple:
        """One trajectory cut to the view, once: its points, their heights on the
        surface, how many points draw it up to each step, and per point the index
        of the last point in view so far (-1: none yet)."""
        points, ends = clip_path(self.race.positions[k, s], box)
        heights = _height(self.race.landscape, points) if ax.name == "3d" else None
        seen = np.where(np.isnan(points[:, 0]), -1, np.arange(len(points)))
        return points, heights, ends, np.maximum.accumulate(seen), ax

    def _edge_marker(self, ax: Axes, point: np.ndarray, size: float) -> dict:
        """A hollow triangle pointing out of the view across the edge at ``point``."""
        normal = outward(point, view_box(ax))
        ahead = point + 1e-3 * normal * np.ptp(np.asarray(view_box(ax)), axis=1)
        if ax.name == "3d":
            land = self.race.landscape
            ends = np.stack([point, ahead])
            xs, ys, _ = proj3d.proj_transform(*ends.T, _height(land, ends), ax.get_proj())
            screen = ax.transData.transform(np.column_stack([xs, ys]))
        else:
            screen = ax.transData.transform(np.stack([point, ahead]))
        dx, dy = screen[1] - screen[0]
        angle = float(np.arctan2(dy, dx)) if dx or dy else 0.0
        # an equilateral triangle inside the view, its tip on the edge and pointing out
        tip = np.array([[0.0, 0.0], [-1.0, 0.577], [-1.0, -0.577], [0.0, 0.0]])
        turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
        return {**_EDGE, "marker": tip @ turn, "markersize": size}

    def _overlay_artists(self, ax: Axes) -> list[tuple[Artist, object]]:
        """Per trajectory: an arrow along the momentum (momentum_buffer or exp_avg,
        negated: the way it pushes) and a cross whose arms are the per-coordinate
        effective step |delta theta_i| / |g_i| of adaptive optimizers. Both are scaled
        per optimizer to a fraction of the domain, so shapes compare, not units."""
        race, land = self.race, self.race.landscape
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
                    artists.append((arrow, self._arrow(k, s, -velocity[k, s] * scale)))
                if adaptive[k, s]:
                    spread = effective[k, s]
                    finite = spread[np.isfinite(spread)]
                    # scaled by a high percentile: near-zero gradients make outliers
                    top = float(np.percentile(finite, 90)) if finite.size else np.nan
                    if np.isfinite(top) and top > 0:
                        (cross,) = ax.plot([], [], "-", color=colour, linewidth=1.4, alpha=0.9)
                        arms = np.minimum(0.08 * width * spread / top, 0.16 * width)
                        artists.append((cross, self._cross(k, s, arms)))
        return artists

    def _arrow(self, k: int, s: int, vector: np.ndarray) -> object:
        def draw(line: Artist, step: int) -> None:
            point, push = self.race.positions[k, s, step], vector[step]
            if np.isnan(push).any():
                line.set_data([], [])
            else:
                line.set_data([point[0], point[0] + push[0]], [point[1], point[1] + push[1]])

        return draw

    def _cross(self, k: int, s: int, arms: np.ndarray) -> object:
        def draw(line: Artist, step: int) -> None:
            point = self.race.positions[k, s, step]
            arm = arms[min(step, len(arms) - 1)]
            if not np.isfinite(arm).all():
                line.set_data([], [])
                return
            x, y = point
            line.set_data([x - arm[0], x + arm[0], np.nan, x, x],
                          [y, y, np.nan, y - arm[1], y + arm[1]])  # fmt: skip

        return draw

    def _loss_panel(self, ax: Axes, moving: list) -> Artist:
        """Every loss curve drawn in full and faint; a cursor marks the current step."""
        race, land = self.race, self.race.landscape
        target = land.min_value
        values = race.losses - (target if target is not None else 0.0)
        log = target is not None and bool(np.all(values[np.isfinite(values)] >= 0))
        steps = np.arange(race.positions.shape[2])
        for k, colour in enumerate(colours(race.labels)):
            for s in range(race.positions.shape[1]):
                ax.plot(steps, np.maximum(values[k, s], 1e-12) if log else values[k, s],
                        color=colour, linewidth=1.4, alpha=0.8)  # fmt: skip
        if log:
            ax.set_yscale("log")
        ax.set_xlim(0, steps[-1])
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel(r"$f - f^\star$" if log else "$f$", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        return ax.axvline(0, color="black", linewidth=1.0)

    def frames(self) -> Iterator[np.ndarray]:
        """RGB frames, (height, width, 3) uint8, one per shown step."""
        fig, artists, update = self._scene()
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # everything but the animated artists
        background = canvas.copy_from_bbox(fig.bbox)
        for step in self.steps:
            canvas.restore_region(background)
            update(int(step))
            for artist in artists:
                fig.draw_artist(artist)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()

    # -- files ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the animation; the extension chooses .gif, .mp4 or .html."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ValueError(
                f"cannot save an animation as {suffix or '(no extension)'!r}; "
                f"use one of {', '.join(FORMATS)}"
            )
        if not path.parent.is_dir():
            raise ValueError(f"cannot save to {str(path)!r}: the folder does not exist")
        writers = {
            ".gif": lambda target: write_gif(self.frames(), target, self.fps, self.hold),
            ".mp4": lambda target: write_mp4(
                self.frames(), target, self.fps, self.size, self.mp4_hold
            ),
            ".html": lambda target: target.write_text(self.to_html(), encoding="utf-8"),
        }
        return write_atomically(path, writers[suffix])

    def to_html(self) -> str:
        """A self-contained page: every frame embedded, with play, pause and a slider."""
        return player_html(self.frames(), self.fps, self.race.landscape.name, self.hold)

    def _repr_html_(self) -> str:
        return self.to_html()


_BALL = dict(marker="o", linestyle="none", markersize=8, markerfacecolor="auto",
             markeredgecolor="black", markeredgewidth=1.0, path_effects=[])  # fmt: skip
# a ball that left the view: hollow, in its colour, outlined for contrast on any map
_EDGE = dict(markerfacecolor="none", markeredgecolor="auto", markeredgewidth=2.0,
             path_effects=[Stroke(linewidth=3.4, foreground="black"), Normal()])  # fmt: skip


def _height(land: object, points: np.ndarray) -> np.ndarray:
    """The landscape's value at points (M, 2); NaN rows stay NaN."""
    xy = torch.as_tensor(np.nan_to_num(points), dtype=torch.float64)
    with torch.no_grad():
        z = land(xy[:, 0], xy[:, 1]).numpy().astype(float)  # type: ignore[operator]
    return np.where(np.isnan(points[:, 0]), np.nan, z)


def _clamp(point: np.ndarray, ax: Axes) -> np.ndarray:
    """The point moved onto the view's box."""
    lows, highs = np.asarray(view_box(ax)).T
    return np.clip(point, lows, highs)


def _prefer(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """``first`` where it has values, else ``second`` (state arrays of equal shape)."""
    if first is None or second is None:
        return first if second is None else second
    return np.where(np.isnan(first), second, first)


def animate(race: Race, view: View = VIEW, **options: object) -> Animation:
    """An animation of a race (``view``: contour, surface or both); see `Animation`."""
    return Animation(race, view, **options)  # type: ignore[arg-type]
