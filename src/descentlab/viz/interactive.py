"""Interactive races: a plotly figure with play, pause and a step slider.

The landscape (surface or contour) is drawn once over the picture's frame; animation
frames carry only the paths and the balls. A path is cut where it leaves the frame,
and a ball that left it stays marked where it crossed the edge (a hollow mark, on the
map an open triangle pointing out); a diverged run ends in an X (a cross on the
surface).

`write_html` with the default ``include_plotlyjs=True`` writes one self-contained page
that works offline: the official partial plotly.js bundle the figure needs (cartesian
for the map, gl3d for the surface, vendored in ``plotlyjs/`` at the version Python
plotly ships) embedded once, gzip-compressed and unpacked by the browser's
DecompressionStream, and the frames sent as the last frame plus, per frame, how much
of each path it shows and how each ball is marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from ..checks import one_of, whole_number
from ..engine import Race
from ..landscapes import Landscape
from .drawing import clip_path, domain_ring, outward, trajectory, values_at
from .framing import Box, frame, past_domain
from .race_layout import frame_axes, map_background, player, slider
from .race_page import BALL, DIVERGED, LEFT, MARKS, RaceFigure
from .style import START_STYLES, colours, evaluate_grid, plotly_dash
from .surfaces import Height, surface_scale

Kind = Literal["surface", "contour"]
MAX_FRAMES = 200

RESOLUTION = 120  # grid points a side
# what lies on the surface is drawn this share of its height range above it, or the
# surface would hide half of each ball (the surface itself shows the true values)
LIFT = 0.015
LINE_WIDTH = 3
GL_LINE_WIDTH = 5  # WebGL draws lines thinner
MARK_NAMES = {LEFT: "left the view: marked at the edge", DIVERGED: "diverged"}
# Scatter3d takes named dashes only: the patterns of START_STYLES as the nearest
GL_DASHES = {(5, 1, 1, 1, 1, 1): "longdashdot", (1, 3): "longdash"}


@dataclass
class Cut:
    """One trajectory cut to the frame: the drawn points (NaN gaps), per step how many
    of them draw the path so far, and per step how its ball is marked."""

    label: str
    colour: str
    start: int  # which of the race's starts, in the order drawn
    points: np.ndarray
    heights: np.ndarray | None
    ends: np.ndarray
    states: np.ndarray
    angles: np.ndarray

    def at(self, step: int) -> tuple[int, int, int]:
        """The path's length, the ball's state and its angle at a step."""
        n = self.ends[min(step, len(self.ends) - 1)]  # a diverged path ends early
        return int(n), int(self.states[step]), int(self.angles[step])


def cut(race: Race, k: int, s: int, box: Box, label: str, colour: str, place: Place | None) -> Cut:
    """Trajectory (k, s) cut to the box, with its ball's mark at every step; on a surface
    (``place``), the heights its points are drawn at."""
    path = trajectory(race, k, s)
    points, ends = clip_path(path, box)
    total = race.positions.shape[2]
    at = int(race.diverged_at[k, s])
    states, angles = np.full(total, BALL), np.zeros(total, dtype=int)
    for step in range(total):
        n = int(ends[min(step, len(ends) - 1)])
        drawn = np.flatnonzero(np.isfinite(points[:n, 0]))
        if 0 <= at <= step:
            states[step] = DIVERGED
        elif not np.isfinite(points[n - 1, 0]):
            states[step] = LEFT
            if drawn.size:  # the triangle points out of the edge it crossed
                nx, ny = outward(points[drawn[-1]], box)
                angles[step] = round(math.degrees(math.atan2(nx, ny)))
    heights = place(points) if place is not None else None
    return Cut(label, colour, s, points.astype(np.float32), heights, ends, states, angles)


Place = Callable[[np.ndarray], np.ndarray]


def placing(land: Landscape, z: np.ndarray) -> tuple[Place, Height, bool]:
    """Where points (N, 2) go above a surface sampled as ``z``: at f placed as the
    contour map shades it (log10(f - min f) on a log map), plus a lift; also the
    placing of f alone and whether it is log."""
    scale, log, _ = surface_scale(land, z)
    shown = scale(z)
    lift = LIFT * float(np.nanmax(shown) - np.nanmin(shown))

    def place(points: np.ndarray) -> np.ndarray:
        return (scale(values_at(land, points)) + lift).astype(np.float32)

    return place, scale, log


def dash(index: int, kind: Kind) -> str:
    """The plotly dash of the index-th start, after START_STYLES."""
    style = START_STYLES[index % len(START_STYLES)]
    if kind == "surface" and not isinstance(style, str):
        return GL_DASHES[tuple(style[1])]
    return plotly_dash(index, LINE_WIDTH)


def interactive(
    race: Race,
    kind: Kind = "contour",
    frames: int | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> go.Figure:
    """A plotly figure of a 2-D race: the landscape and one animated path per
    trajectory, with play/pause buttons and a step slider (at most ``frames`` frames,
    default every step up to 200). It frames the paths and the known minima, or
    ``xlim``/``ylim`` where given; paths are cut at the frame's edge."""
    if not isinstance(race, Race):
        raise TypeError(
            f"interactive draws a Race (from descentlab.run), got {type(race).__name__}"
        )
    land = race.landscape
    if land.dim != 2:
        raise ValueError(f"interactive figures need a 2-D landscape; {land.name} has 1")
    if frames is not None:
        whole_number("frames", frames, low=2)
    one_of("kind", kind, ("surface", "contour"))
    box = frame(race, xlim, ylim)
    total = race.positions.shape[2]
    count = min(total, frames or MAX_FRAMES)
    steps = [int(t) for t in np.unique(np.linspace(0, total - 1, count).round().astype(int))]
    starts = race.positions.shape[1]
    grid = evaluate_grid(land, RESOLUTION, box)
    place, scale, log = placing(land, grid[2]) if kind == "surface" else (None, None, False)
    cuts = [
        cut(race, k, s, box, label, colour, place)
        for k, (label, colour) in enumerate(zip(race.labels, colours(race.labels), strict=True))
        for s in range(starts)
    ]
    under = [landscape_trace(land, kind, grid, scale)]
    if kind == "contour":
        background, bar = map_background(land, box)
        under.append(bar)
    if past_domain(box, land):
        under.append(domain_edge(land, kind, box, place))
    first = moving_traces(cuts, steps[0], kind)
    paths, balls = first[: len(cuts)], first[len(cuts) :]
    # the numbered starts lie over the paths, under the balls
    under += minima_markers(land, kind, box, place)  # under the paths and the balls
    data = [*under, *paths, start_markers(race, kind, place), *balls]
    data += start_legend(race, kind) + mark_legend(cuts, kind)
    moving = [*range(len(under), len(under) + len(cuts))]  # trace indices the frames update
    moving += [moving[-1] + 2 + j for j in range(len(cuts))]
    figure = RaceFigure(
        data=data,
        frames=[go.Frame(data=moving_traces(cuts, t, kind), traces=moving, name=str(t))
                for t in steps],
    )  # fmt: skip
    figure.update_layout(
        # plain text: rendering LaTeX would need MathJax from the network
        title=dict(text=land.expression or land.name),
        updatemenus=[player(kind)],
        sliders=[slider(steps)],
        # right of the map's colour bar
        legend=dict(
            x=1.1 if kind == "contour" else 1.02, y=1.0, itemsizing="constant", itemwidth=60
        ),
        width=900,
        height=650,
        template="plotly_white",
    )
    frame_axes(figure, kind, box, log, land.view)
    if kind == "contour":
        figure.update_layout(images=[background])
    return figure


def landscape_trace(
    land: Landscape, kind: Kind, grid: tuple, scale: Height | None
) -> go.Heatmap | go.Surface:
    """The landscape sampled on a grid (`evaluate_grid`): a surface with f placed by
    ``scale``, or under the map, an invisible heatmap of f for hovers."""
    x, y, z = grid
    x, y = x[0].astype(np.float32), y[:, 0].astype(np.float32)
    if kind == "surface" and scale is not None:
        return go.Surface(x=x, y=y, z=scale(z).astype(np.float32), colorscale="RdBu_r",
                          opacity=0.85, showscale=False, name=land.name,
                          customdata=z.astype(np.float32),
                          hovertemplate="x %{x:.3g}, y %{y:.3g}<br>f %{customdata:.4g}"
                                        "<extra></extra>")  # fmt: skip
    # the map itself is the layout's background image (`map_background`): plotly drops
    # contour traces from view while frames play; this one only answers hovers with f
    return go.Heatmap(x=x, y=y, z=z.astype(np.float32), opacity=0, showscale=False,
                      name=land.name, hovertemplate="x %{x:.3g}, y %{y:.3g}<br>f %{z:.4g}"
                                                    "<extra></extra>")  # fmt: skip


def domain_edge(
    land: Landscape, kind: Kind, box: Box, place: Place | None
) -> go.Scatter | go.Scatter3d:
    """The domain's edge where the frame shows it: dashed on the map, a line lying on
    the surface."""
    points = domain_ring(land, box)
    common = dict(name="domain's edge", mode="lines", hoverinfo="skip", legendrank=3000)
    if kind == "surface":
        return go.Scatter3d(x=points[:, 0], y=points[:, 1], z=place(points),
                            line=dict(color="black", width=4, dash="dash"), **common)  # fmt: skip
    return go.Scatter(x=points[:, 0], y=points[:, 1], line=dict(color="black", width=1.5,
                      dash="dash"), **common)  # fmt: skip


def start_markers(race: Race, kind: Kind, place: Place | None) -> go.Scatter | go.Scatter3d:
    """A white marker on each start, numbered when there are several."""
    starts = np.asarray(race.starts, dtype=float).reshape(-1, 2)
    many = len(starts) > 1
    common = dict(
        mode="markers+text" if many else "markers", name="starts", showlegend=False,
        text=[str(s + 1) for s in range(len(starts))], textposition="middle center",
        textfont=dict(color="black", size=11), hoverinfo="text",
        marker=dict(color="white", size=(17 if many else 11) if kind == "contour" else 9,
                    line=dict(color="black", width=1)),
    )  # fmt: skip
    if kind == "surface":
        return go.Scatter3d(x=starts[:, 0], y=starts[:, 1], z=place(starts),
                            **common)  # fmt: skip
    return go.Scatter(x=starts[:, 0], y=starts[:, 1], cliponaxis=False, **common)


def minima_markers(
    land: Landscape, kind: Kind, box: Box, place: Place | None
) -> list[go.Scatter | go.Scatter3d]:
    """A gold star on each known minimum in the view, named in the legend."""
    (x0, x1), (y0, y1) = box
    points = np.array([m.point for m in land.minima if x0 <= m.point[0] <= x1
                       and y0 <= m.point[1] <= y1], dtype=float).reshape(-1, 2)  # fmt: skip
    if not len(points):
        return []
    star = dict(symbol="star", color="gold", size=16, line=dict(color="black", width=1))
    common = dict(name="known minimum", mode="markers", legendrank=1500, hoverinfo="x+y+name")
    if kind == "surface":  # Scatter3d has no star: a diamond
        star.update(symbol="diamond", size=7)
        return [go.Scatter3d(x=points[:, 0], y=points[:, 1], z=place(points), marker=star,
                             **common)]  # fmt: skip
    return [go.Scatter(x=points[:, 0], y=points[:, 1], marker=star, cliponaxis=False, **common)]


def moving_traces(cuts: list[Cut], step: int, kind: Kind) -> list[go.Scatter | go.Scatter3d]:
    """The paths so far at a step, then each path's ball."""
    paths, balls = [], []
    for c in cuts:
        n, state, angle = c.at(step)
        drawn = np.flatnonzero(np.isfinite(c.points[:n, 0]))
        where = drawn[-1:] if drawn.size else None
        common = dict(name=c.label, legendgroup=c.label)
        if kind == "surface":  # drawn lifted: the surface's own hover gives f
            common["hoverinfo"] = "x+y+name"
        width = GL_LINE_WIDTH if kind == "surface" else LINE_WIDTH
        line = dict(color=c.colour, width=width, dash=dash(c.start, kind))
        mark = dict(color=c.colour, **MARKS[kind][state])
        xy = c.points[:n]
        spot = xy[where] if where is not None else np.full((1, 2), np.nan, np.float32)
        if kind == "surface":
            z = c.heights[where] if where is not None else np.full(1, np.nan, np.float32)
            paths.append(go.Scatter3d(x=xy[:, 0], y=xy[:, 1], z=c.heights[:n], mode="lines",
                                      line=line, showlegend=c.start == 0, **common))  # fmt: skip
            balls.append(go.Scatter3d(x=spot[:, 0], y=spot[:, 1], z=z, mode="markers",
                                      marker=mark, showlegend=False, **common))  # fmt: skip
        else:
            paths.append(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", line=line,
                                    showlegend=c.start == 0, **common))  # fmt: skip
            balls.append(go.Scatter(x=spot[:, 0], y=spot[:, 1], mode="markers", cliponaxis=False,
                                    marker=dict(mark, angle=angle), showlegend=False,
                                    **common))  # fmt: skip
    return paths + balls


def start_legend(race: Race, kind: Kind) -> list[go.Scatter | go.Scatter3d]:
    """With several starts, each named in the legend as a grey line in its dash."""
    starts = np.asarray(race.starts, dtype=float).reshape(-1, 2)
    if len(starts) < 2:
        return []
    entries = []
    for s, start in enumerate(starts):
        where = ", ".join(f"{v:.3g}" for v in start)
        common = dict(name=f"start {s + 1}: ({where})", mode="lines", legendrank=2000,
                      line=dict(color="#555555", width=LINE_WIDTH, dash=dash(s, kind)))  # fmt: skip
        entries.append(nowhere(kind, **common))
    return entries


def mark_legend(cuts: list[Cut], kind: Kind) -> list[go.Scatter | go.Scatter3d]:
    """Legend entries for the marks that occur: a ball left the view, a run diverged."""
    entries = []
    for state in (LEFT, DIVERGED):
        if any((c.states == state).any() for c in cuts):
            mark = dict(color="#555555", **MARKS[kind][state])
            if kind == "contour":
                mark["angle"] = 90  # pointing out to the right
            entries.append(nowhere(kind, name=MARK_NAMES[state], mode="markers", marker=mark,
                                   legendrank=2500))  # fmt: skip
    return entries


def nowhere(kind: Kind, **style: Any) -> go.Scatter | go.Scatter3d:
    """A trace with no point to draw: a legend entry only."""
    if kind == "surface":
        return go.Scatter3d(x=[None], y=[None], z=[None], hoverinfo="skip", **style)
    return go.Scatter(x=[None], y=[None], hoverinfo="skip", **style)
