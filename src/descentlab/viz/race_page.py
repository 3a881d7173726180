"""The standalone page of an interactive race: one self-contained HTML file that works
offline, holding the official partial plotly.js bundle the figure needs (cartesian for
the map, gl3d for the surface, vendored in ``plotlyjs/`` at the version Python plotly
ships) once, gzip-compressed and unpacked by the browser's DecompressionStream, and the
frames sent as the last frame plus, per frame, how much of each path it shows and how
each ball is marked (``plotlyjs/page.html`` rebuilds them)."""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import plotly.graph_objects as go

BUNDLES = Path(__file__).parent / "plotlyjs"
# the trace types each partial bundle draws; any other figure gets the full library
CARTESIAN = (BUNDLES / "plotly-cartesian.min.js", {"scatter", "contour", "heatmap"})
GL3D = (BUNDLES / "plotly-gl3d.min.js", {"scatter3d", "surface"})
FULL_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PAGE = (BUNDLES / "page.html").read_text(encoding="utf-8")


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
