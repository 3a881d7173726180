"""Interactive races: a plotly figure with play, pause and a step slider.

The landscape (surface or contour) is drawn once; animation frames carry only the
trajectory traces, as float32 typed arrays. `write_html` with the default
``include_plotlyjs=True`` writes one self-contained page: plotly.js embedded once,
gzip-compressed and unpacked by the browser's DecompressionStream, so it works offline.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import plotly
import plotly.graph_objects as go

from ..checks import one_of, whole_number
from ..engine import Race
from .drawing import trajectory
from .style import colours, evaluate_grid

Kind = Literal["surface", "contour"]
MAX_FRAMES = 200
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def packed_plotly_js() -> str:
    """plotly.js, gzip-compressed and base64-encoded (about 2 MB instead of 4.8)."""
    return base64.b64encode(gzip.compress(PLOTLY_JS.read_bytes(), 9, mtime=0)).decode("ascii")


class RaceFigure(go.Figure):
    """A plotly figure whose standalone HTML embeds plotly.js once, compressed."""

    def to_html(self, *args: Any, **kwargs: Any) -> str:
        if args or set(kwargs) - {"include_plotlyjs", "full_html"}:
            return super().to_html(*args, **kwargs)
        if kwargs.get("include_plotlyjs", True) is not True or not kwargs.get("full_html", True):
            return super().to_html(*args, **kwargs)
        title = self.layout.title.text or "race"
        figure = json.loads(self.to_json())
        lengths = self._growing()
        if lengths is not None:  # every frame is a prefix of the last: send the last only
            figure["frames"] = figure["frames"][-1:]
            figure["lengths"] = lengths
            figure["frame_names"] = [frame.name for frame in self.frames]
        text = json.dumps(figure, separators=(",", ":")).replace("</", "<\\/")
        return (
            PAGE.replace("__TITLE__", html.escape(title))
            .replace("__WIDTH__", str(self.layout.width or 900))
            .replace("__HEIGHT__", str(self.layout.height or 650))
            .replace("__PLOTLY__", packed_plotly_js())
            .replace("__FIGURE__", text)
        )

    def _growing(self) -> list[list[int]] | None:
        """Path lengths per frame and trace when every frame's paths are prefixes of the
        last frame's (the ball drawn at the end only), else None."""
        if not self.frames:
            return None
        last, lengths = self.frames[-1], []
        for frame in self.frames:
            if tuple(frame.traces or ()) != tuple(last.traces or ()):
                return None
            row = []
            for trace, full in zip(frame.data, last.data, strict=True):
                n = len(trace.x)
                for axis in ("x", "y", "z"):
                    mine, theirs = getattr(trace, axis, None), getattr(full, axis, None)
                    if (mine is None) != (theirs is None) or (
                        mine is not None and not np.array_equal(mine, np.asarray(theirs)[:n])
                    ):
                        return None
                size = np.zeros(n)
                size[-1] = 9
                if not np.array_equal(trace.marker.size, size):
                    return None
                row.append(n)
            lengths.append(row)
        return lengths

    def write_html(self, file: Any, *args: Any, **kwargs: Any) -> None:
        if args or set(kwargs) - {"include_plotlyjs", "full_html"}:
            return super().write_html(file, *args, **kwargs)
        text = self.to_html(**kwargs)
        if hasattr(file, "write"):
            file.write(text)
        else:
            Path(file).write_text(text, encoding="utf-8")
        return None


def interactive(race: Race, kind: Kind = "contour", frames: int | None = None) -> go.Figure:
    """A plotly figure of a 2-D race: the landscape and one animated trace per
    trajectory, with play/pause buttons and a step slider (at most ``frames`` frames,
    default every step up to 200)."""
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
    total = race.positions.shape[2]
    count = min(total, frames or MAX_FRAMES)
    steps = np.unique(np.linspace(0, total - 1, count).round().astype(int))
    x, y, z = evaluate_grid(land, 120)
    x, y = x[0].astype(np.float32), y[:, 0].astype(np.float32)
    if kind == "surface":
        background = go.Surface(x=x, y=y, z=z.astype(np.float32), colorscale="RdBu_r", opacity=0.85,
                                showscale=False, name=land.name)  # fmt: skip
    else:
        shown = np.log10(z - np.nanmin(z) + 1e-9) if land.levels == "log" else z
        background = go.Contour(x=x, y=y, z=shown.astype(np.float32), colorscale="Viridis",
                                ncontours=30, showscale=False, name=land.name)  # fmt: skip

    paths = [
        (race.labels[k], colour, trajectory(race, k, s, clip=True).astype(np.float32), k, s)
        for k, colour in enumerate(colours(race.labels))
        for s in range(race.positions.shape[1])
    ]

    def traces(step: int) -> list[go.Scatter | go.Scatter3d]:
        out = []
        for label, colour, path, k, s in paths:
            upto = path[: min(step, len(path) - 1) + 1]
            z_path = race.losses[k, s, : len(upto)].astype(np.float32)
            sizes = np.zeros(len(upto), dtype=np.uint8)
            sizes[-1] = 9
            common = dict(name=label, legendgroup=label, showlegend=s == 0,
                          line=dict(color=colour, width=4),
                          marker=dict(size=sizes, color=colour,
                                      line=dict(color="black", width=1)))  # fmt: skip
            if kind == "surface":
                out.append(go.Scatter3d(x=upto[:, 0], y=upto[:, 1], z=z_path,
                                        mode="lines+markers", **common))  # fmt: skip
            else:
                out.append(go.Scatter(x=upto[:, 0], y=upto[:, 1], mode="lines+markers",
                                      **common))  # fmt: skip
        return out

    moving = list(range(1, len(paths) + 1))  # trace indices the frames update
    figure = RaceFigure(
        data=[background, *traces(int(steps[0]))],
        frames=[go.Frame(data=traces(int(t)), traces=moving, name=str(int(t))) for t in steps],
    )
    play = dict(label="play", method="animate",
                args=[None, dict(frame=dict(duration=50, redraw=True),
                                 fromcurrent=True, transition=dict(duration=0))])  # fmt: skip
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    pause = dict(label="pause", method="animate", args=[[None], still])
    slider = dict(
        active=0,
        currentvalue=dict(prefix="step "),
        steps=[
            dict(label=str(int(t)), method="animate",
                 args=[[str(int(t))], dict(mode="immediate", frame=dict(duration=0,
                       redraw=True), transition=dict(duration=0))])
            for t in steps
        ],
    )  # fmt: skip
    (x0, x1), (y0, y1) = land.domain
    figure.update_layout(
        # plain text: rendering LaTeX would need MathJax from the network
        title=dict(text=land.expression or land.name),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.08, buttons=[play, pause])],
        sliders=[slider],
        legend=dict(x=1.02, y=1.0, itemsizing="constant"),
        width=900,
        height=650,
        template="plotly_white",
    )
    if kind == "contour":
        figure.update_xaxes(range=[x0, x1], title="x")
        figure.update_yaxes(range=[y0, y1], title="y")
    else:
        figure.update_scenes(xaxis=dict(range=[x0, x1], title="x"),
                             yaxis=dict(range=[y0, y1], title="y"), zaxis_title="f")  # fmt: skip
    return figure


# plotly.js is unpacked from the page itself (no network, no CDN), then the figure drawn
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>descentlab: __TITLE__</title></head>
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
// frames rebuilt from the last: each path cut to its length, the ball at its end
function grow(figure) {
  const last = figure.frames[0];
  const full = last.data.map((trace) => ({x: decode(trace.x), y: decode(trace.y),
                                          z: decode(trace.z)}));
  return figure.lengths.map((lengths, f) => ({
    name: figure.frame_names[f], traces: last.traces,
    data: last.data.map((trace, j) => {
      const n = lengths[j], size = new Uint8Array(n);
      size[n - 1] = 9;
      const cut = {...trace, x: full[j].x.subarray(0, n), y: full[j].y.subarray(0, n),
                   marker: {...trace.marker, size: size}};
      if (full[j].z) cut.z = full[j].z.subarray(0, n);
      return cut;
    }),
  }));
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
  await Plotly.newPlot("race", figure.data, figure.layout, {displaylogo: false});
  await Plotly.addFrames("race", figure.lengths ? grow(figure) : figure.frames);
})();
</script></body></html>
"""
