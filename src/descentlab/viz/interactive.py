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

import base64
import functools
import gzip
import html
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import plotly
import plotly.graph_objects as go
import torch

from ..checks import one_of, whole_number
from ..engine import Race
from ..landscapes import Landscape
from .drawing import clip_path, outward, trajectory
from .framing import Box, frame, past_domain
from .static import START_STYLES
from .style import colours, evaluate_grid

Kind = Literal["surface", "contour"]
MAX_FRAMES = 200
BUNDLES = Path(__file__).parent / "plotlyjs"
# the trace types each partial bundle draws; any other figure gets the full library
CARTESIAN = (BUNDLES / "plotly-cartesian.min.js", {"scatter", "contour"})
GL3D = (BUNDLES / "plotly-gl3d.min.js", {"scatter3d", "surface"})
FULL_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

RESOLUTION = 120  # grid points a side
# what lies on the surface is drawn this share of its height range above it, or the
# surface would hide half of each ball (the surface itself shows the true values)
LIFT = 0.015
PAD = 0.03  # room around the surface's box, as a share of its span
LINE_WIDTH = 3
GL_LINE_WIDTH = 5  # WebGL draws lines thinner
BALL, LEFT, DIVERGED = 0, 1, 2  # how a ball is marked: in view, left the view, diverged
MARKS = {
    "contour": (
        dict(symbol="circle", size=11, line=dict(color="black", width=1)),
        dict(symbol="triangle-up-open", size=15, line=dict(color="black", width=2.5)),
        dict(symbol="x", size=14, line=dict(color="black", width=1)),
    ),
    # Scatter3d has no triangles: a hollow ball where it crossed the edge; and its "x" is
    # the emoji \u274c, drawn red whatever the colour (or missing): a cross instead
    "surface": (
        dict(symbol="circle", size=8, line=dict(color="black", width=1)),
        dict(symbol="circle-open", size=11, line=dict(color="black", width=2)),
        dict(symbol="cross", size=20, line=dict(color="black", width=1)),
    ),
}
MARK_NAMES = {LEFT: "left the view: marked at the edge", DIVERGED: "diverged"}
# START_STYLES as plotly dashes; Scatter3d takes named dashes only
DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}
GL_DASHES = {(5, 1, 1, 1, 1, 1): "longdashdot", (1, 3): "longdash"}


def bundle_for(figure: go.Figure) -> Path:
    """The smallest plotly.js bundle that draws every trace of the figure."""
    types = {trace.type for trace in figure.data}
    for frame_ in figure.frames:
        types |= {trace.type for trace in frame_.data}
    for path, drawn in (CARTESIAN, GL3D):
        if types <= drawn:
            return path
    return FULL_PLOTLY_JS


@functools.cache
def packed(path: Path) -> str:
    """A plotly.js bundle, gzip-compressed and base64-encoded."""
    return base64.b64encode(gzip.compress(path.read_bytes(), 9, mtime=0)).decode("ascii")


def same(a: Any, b: Any) -> bool:
    """Deep equality of plotly property trees holding arrays (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, np.ndarray | list | tuple) or isinstance(b, np.ndarray | list | tuple):
        left, right = np.asarray(a), np.asarray(b)
        if left.shape != right.shape or left.dtype.kind != right.dtype.kind:
            return False
        if left.dtype.kind == "f":
            return bool(np.array_equal(left, right, equal_nan=True))
        return bool(np.array_equal(left, right))
    return a == b


class RaceFigure(go.Figure):
    """A plotly figure whose standalone HTML embeds plotly.js once, compressed."""

    def to_html(self, *args: Any, **kwargs: Any) -> str:
        if args or set(kwargs) - {"include_plotlyjs", "full_html"}:
            return super().to_html(*args, **kwargs)
        if kwargs.get("include_plotlyjs", True) is not True or not kwargs.get("full_html", True):
            return super().to_html(*args, **kwargs)
        title = self.layout.title.text or "race"
        figure = json.loads(self.to_json())
        compact = self._compact()
        if compact is not None:  # the page cuts every frame out of the last one
            figure["frames"] = figure["frames"][-1:]
            figure.update(compact)
        text = json.dumps(figure, separators=(",", ":")).replace("</", "<\\/")
        return (
            PAGE.replace("__TITLE__", html.escape(title))
            .replace("__WIDTH__", str(self.layout.width or 900))
            .replace("__HEIGHT__", str(self.layout.height or 650))
            .replace("__PLOTLY__", packed(bundle_for(self)))
            .replace("__FIGURE__", text)
        )

    def _compact(self) -> dict[str, Any] | None:
        """Per frame: each path's length and each ball's mark (and angle on a map), when
        the page rebuilds exactly the figure's frames from them and the last frame."""
        if not self.frames:
            return None
        last = self.frames[-1]
        count = len(last.data) // 2  # the paths, then one ball per path
        kind = "surface" if last.data[-1].type == "scatter3d" else "contour"
        symbols = [mark["symbol"] for mark in MARKS[kind]]
        lengths, states, angles = [], [], []
        for frame_ in self.frames:
            if tuple(frame_.traces or ()) != tuple(last.traces or ()):
                return None
            if len(frame_.data) != 2 * count:
                return None
            paths, balls = frame_.data[:count], frame_.data[count:]
            row = [len(trace.x) for trace in paths]
            if any(ball.marker.symbol not in symbols for ball in balls):
                return None
            state = [symbols.index(ball.marker.symbol) for ball in balls]
            turn = [int(ball.marker.angle or 0) for ball in balls] if kind == "contour" else []
            rebuilt = grown(last, count, row, state, turn, MARKS[kind])
            pairs = zip(frame_.data, rebuilt, strict=True)
            if not all(same(trace.to_plotly_json(), made) for trace, made in pairs):
                return None
            lengths.append(row)
            states.append(state)
            angles.append(turn)
        compact = dict(lengths=lengths, states=states, marks=MARKS[kind],
                       frame_names=[frame_.name for frame_ in self.frames])  # fmt: skip
        if kind == "contour":
            compact["angles"] = angles
        return compact

    def write_html(self, file: Any, *args: Any, **kwargs: Any) -> None:
        if args or set(kwargs) - {"include_plotlyjs", "full_html"}:
            return super().write_html(file, *args, **kwargs)
        text = self.to_html(**kwargs)
        if hasattr(file, "write"):
            file.write(text)
        else:
            Path(file).write_text(text, encoding="utf-8")
        return None


def grown(
    last: go.Frame,
    count: int,
    lengths: list[int],
    states: list[int],
    angles: list[int],
    marks: tuple[dict, ...],
) -> list[dict[str, Any]]:
    """The traces of one frame rebuilt from the last frame, as the page does: each path
    cut to its length, its ball at the path's last drawn point, marked by its state."""
    traces = []
    for trace, n in zip(last.data[:count], lengths, strict=True):
        cut = trace.to_plotly_json()
        for axis in ("x", "y", "z"):
            if axis in cut:
                cut[axis] = np.asarray(cut[axis])[:n]
        traces.append(cut)
    for j, (ball, state) in enumerate(zip(last.data[count:], states, strict=True)):
        made = ball.to_plotly_json()
        drawn = np.flatnonzero(np.isfinite(np.asarray(traces[j]["x"], dtype=float)))
        for axis in ("x", "y", "z"):
            if axis in made:
                values = np.asarray(traces[j][axis])
                made[axis] = values[drawn[-1] :][:1] if drawn.size else np.full(1, np.nan, "f4")
        made["marker"] = {**made["marker"], **marks[state]}
        if angles:
            made["marker"]["angle"] = angles[j]
        traces.append(made)
    return traces


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


def cut(race: Race, k: int, s: int, box: Box, label: str, colour: str, lift: float) -> Cut:
    """Trajectory (k, s) cut to the box, with its ball's mark at every step; with a lift,
    the heights of its points above the surface."""
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
    heights = height(race.landscape, points, lift) if lift else None
    return Cut(label, colour, s, points.astype(np.float32), heights, ends, states, angles)


def height(land: Landscape, points: np.ndarray, lift: float = 0.0) -> np.ndarray:
    """The landscape's value at each point (N, 2) plus a lift, NaN at the gaps, as float32."""
    xy = torch.as_tensor(np.asarray(points, dtype=np.float64))
    with torch.no_grad():
        return (land(xy[:, 0], xy[:, 1]).numpy() + lift).astype(np.float32)


def dash(index: int, kind: Kind) -> str:
    """The plotly dash of the index-th start, after START_STYLES."""
    style = START_STYLES[index % len(START_STYLES)]
    if isinstance(style, str):
        return DASHES[style]
    if kind == "surface":
        return GL_DASHES[tuple(style[1])]
    return ",".join(f"{length * LINE_WIDTH:g}px" for length in style[1])


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
    lift = LIFT * float(np.nanmax(grid[2]) - np.nanmin(grid[2])) if kind == "surface" else 0.0
    cuts = [
        cut(race, k, s, box, label, colour, lift)
        for k, (label, colour) in enumerate(zip(race.labels, colours(race.labels), strict=True))
        for s in range(starts)
    ]
    under = [landscape_trace(land, kind, grid)]
    if past_domain(box, land):
        under.append(domain_edge(land, kind, box, lift))
    first = moving_traces(cuts, steps[0], kind)
    paths, balls = first[: len(cuts)], first[len(cuts) :]
    # the numbered starts lie over the paths, under the balls
    data = [*under, *paths, start_markers(race, kind, lift), *balls]
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
        updatemenus=[player()],
        sliders=[slider(steps)],
        legend=dict(x=1.02, y=1.0, itemsizing="constant", itemwidth=60),
        width=900,
        height=650,
        template="plotly_white",
    )
    frame_axes(figure, kind, box)
    return figure


def landscape_trace(land: Landscape, kind: Kind, grid: tuple) -> go.Contour | go.Surface:
    """The landscape sampled on a grid (`evaluate_grid`): a surface, or a contour map
    (log levels where the landscape hints so)."""
    x, y, z = grid
    x, y = x[0].astype(np.float32), y[:, 0].astype(np.float32)
    if kind == "surface":
        return go.Surface(x=x, y=y, z=z.astype(np.float32), colorscale="RdBu_r", opacity=0.85,
                          showscale=False, name=land.name)  # fmt: skip
    shown = np.log10(z - np.nanmin(z) + 1e-9) if land.levels == "log" else z
    return go.Contour(x=x, y=y, z=shown.astype(np.float32), colorscale="Viridis",
                      ncontours=30, showscale=False, name=land.name)  # fmt: skip


def domain_edge(land: Landscape, kind: Kind, box: Box, lift: float) -> go.Scatter | go.Scatter3d:
    """The domain's edge where the frame shows it: dashed on the map, a line lying on
    the surface."""
    (a0, a1), (b0, b1) = land.domain
    corners = np.array([(a0, b0), (a1, b0), (a1, b1), (a0, b1), (a0, b0)], dtype=float)
    # many points per side, so that the line follows the surface
    sides = [np.linspace(p, q, 60, endpoint=False) for p, q in itertools.pairwise(corners)]
    ring = np.concatenate([*sides, corners[:1]])
    points, _ = clip_path(ring, box)
    common = dict(name="domain's edge", mode="lines", hoverinfo="skip", legendrank=3000)
    if kind == "surface":
        return go.Scatter3d(x=points[:, 0], y=points[:, 1], z=height(land, points, lift),
                            line=dict(color="black", width=4, dash="dash"), **common)  # fmt: skip
    return go.Scatter(x=points[:, 0], y=points[:, 1], line=dict(color="black", width=1.5,
                      dash="dash"), **common)  # fmt: skip


def start_markers(race: Race, kind: Kind, lift: float) -> go.Scatter | go.Scatter3d:
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
        return go.Scatter3d(x=starts[:, 0], y=starts[:, 1], z=height(race.landscape, starts, lift),
                            **common)  # fmt: skip
    return go.Scatter(x=starts[:, 0], y=starts[:, 1], cliponaxis=False, **common)


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


def player() -> dict[str, Any]:
    """The play and pause buttons."""
    play = dict(label="play", method="animate",
                args=[None, dict(frame=dict(duration=50, redraw=True),
                                 fromcurrent=True, transition=dict(duration=0))])  # fmt: skip
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    pause = dict(label="pause", method="animate", args=[[None], still])
    return dict(type="buttons", direction="left", x=0.0, y=-0.08, buttons=[play, pause])


def slider(steps: list[int]) -> dict[str, Any]:
    """The step slider, one stop per frame."""
    jump = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    return dict(
        active=0,
        currentvalue=dict(prefix="step ", xanchor="right"),  # clear of the buttons
        steps=[dict(label=str(t), method="animate", args=[[str(t)], jump]) for t in steps],
    )


def frame_axes(figure: go.Figure, kind: Kind, box: Box) -> None:
    """The axes show the box: exactly on the map (at equal scales unless too thin), with a
    little room around it on the surface."""
    (x0, x1), (y0, y1) = box
    if kind == "surface":
        # WebGL cuts what passes the ranges: a little room keeps the marks at the edge whole
        dx, dy = PAD * (x1 - x0), PAD * (y1 - y0)
        figure.update_scenes(xaxis=dict(range=[x0 - dx, x1 + dx], title="x"),
                             yaxis=dict(range=[y0 - dy, y1 + dy], title="y"),
                             zaxis_title="f")  # fmt: skip
        return
    figure.update_xaxes(range=[x0, x1], title="x", showgrid=False, zeroline=False)
    figure.update_yaxes(range=[y0, y1], title="y", showgrid=False, zeroline=False)
    if 0.25 <= (x1 - x0) / (y1 - y0) <= 4:
        # the plot area shrinks to keep equal scales; the ranges stay the box
        figure.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
        figure.update_xaxes(constrain="domain")


# plotly.js is unpacked from the page itself (no network, no CDN), then the figure drawn
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>descentlab: __TITLE__</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0">
<div id="race" class="plotly-graph-div" style="width:__WIDTH__px;height:__HEIGHT__px"></div>
<script type="application/gzip-base64" id="plotly-js">__PLOTLY__</script>
<script type="application/json" id="figure">__FIGURE__</script>
<script>
// plotly rejects a playing animation's promise, with no reason, when pause stops it
addEventListener("unhandledrejection", (event) => {
  if (event.reason === undefined) event.preventDefault();
});
const TYPES = {f4: Float32Array, f8: Float64Array, u1: Uint8Array, i4: Int32Array};
function decode(value) {
  if (!value || !value.bdata) return value;
  const raw = atob(value.bdata), bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new TYPES[value.dtype](bytes.buffer);
}
// the ball sits on its path's last drawn point (none: NaN, not drawn)
function ball(trace, path, n, mark, angle) {
  let at = n - 1;
  while (at >= 0 && Number.isNaN(path.x[at])) at--;
  const spot = (values) => (at >= 0 ? values.subarray(at, at + 1) : new Float32Array([NaN]));
  const made = {...trace, x: spot(path.x), y: spot(path.y), marker: {...trace.marker, ...mark}};
  if (path.z) made.z = spot(path.z);
  if (angle !== undefined) made.marker.angle = angle;
  return made;
}
// frames rebuilt from the last: each path cut to its length, each ball marked by its state
function grow(figure) {
  const last = figure.frames[0], count = figure.lengths[0].length;
  const full = last.data.slice(0, count).map((trace) => ({x: decode(trace.x),
    y: decode(trace.y), z: decode(trace.z)}));
  return figure.lengths.map((lengths, f) => {
    const paths = lengths.map((n, j) => {
      const part = {...last.data[j], x: full[j].x.subarray(0, n), y: full[j].y.subarray(0, n)};
      if (full[j].z) part.z = full[j].z.subarray(0, n);
      return part;
    });
    const balls = lengths.map((n, j) => ball(last.data[count + j], full[j], n,
      figure.marks[figure.states[f][j]], figure.angles && figure.angles[f][j]));
    return {name: figure.frame_names[f], traces: last.traces, data: [...paths, ...balls]};
  });
}
// on a narrow screen the figure takes the screen's width, the legend above the plot, and
// the height the map needs at equal scales (a surface: a square)
function fit(layout) {
  const room = document.documentElement.clientWidth;
  if (room >= layout.width) return false;
  const width = Math.max(room, 300), margin = {l: 50, r: 20, t: 60, b: 150};
  const [x0, x1] = layout.xaxis ? layout.xaxis.range : [0, 1];
  const [y0, y1] = layout.xaxis ? layout.yaxis.range : [0, 1];
  const ratio = layout.yaxis && layout.yaxis.scaleanchor ? (y1 - y0) / (x1 - x0) : 1;
  const height = Math.round((width - margin.l - margin.r) * ratio) + margin.t + margin.b;
  Object.assign(layout, {width: width, height: height, margin: margin});
  layout.legend = {...layout.legend, orientation: "h", x: 0, y: 1.02, yanchor: "bottom"};
  layout.title = {...layout.title, y: 0.995, yanchor: "top"};
  const div = document.getElementById("race");
  div.style.width = width + "px";
  div.style.height = height + "px";
  return true;
}
// then the top margin grows to the legend's drawn height, the plot keeping its size
async function lift(div) {
  const legend = div.querySelector(".legend"), layout = div.layout;
  if (!legend) return;
  const top = Math.ceil(legend.getBoundingClientRect().height) + 50;
  const height = layout.height - layout.margin.t + top;
  div.style.height = height + "px";
  await Plotly.relayout(div, {"margin.t": top, height: height});
}
(async () => {
  const packed = atob(document.getElementById("plotly-js").textContent);
  const bytes = new Uint8Array(packed.length);
  for (let i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const library = document.createElement("script");
  library.textContent = await new Response(stream).text();
  document.head.appendChild(library);
  const figure = JSON.parse(document.getElementById("figure").textContent);
  const narrow = fit(figure.layout);
  const div = document.getElementById("race");
  await Plotly.newPlot(div, figure.data, figure.layout, {displaylogo: false});
  if (narrow) await lift(div);
  await Plotly.addFrames("race", figure.lengths ? grow(figure) : figure.frames);
})();
</script></body></html>
"""
