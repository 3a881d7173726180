"""Interactive races: a plotly figure with play, pause and a step slider.

The landscape (surface or contour) is drawn once; animation frames carry only the
trajectory traces. `write_html` with the default ``include_plotlyjs=True`` embeds
plotly.js, so the page works offline.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go

from ..checks import one_of, whole_number
from ..engine import Race
from .drawing import trajectory
from .style import colours, evaluate_grid

Kind = Literal["surface", "contour"]
MAX_FRAMES = 200


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
    if kind == "surface":
        background = go.Surface(x=x[0], y=y[:, 0], z=z, colorscale="RdBu_r", opacity=0.85,
                                showscale=False, name=land.name)  # fmt: skip
    else:
        shown = np.log10(z - np.nanmin(z) + 1e-9) if land.levels == "log" else z
        background = go.Contour(x=x[0], y=y[:, 0], z=shown, colorscale="Viridis", ncontours=30,
                                showscale=False, name=land.name)  # fmt: skip

    paths = [
        (race.labels[k], colour, trajectory(race, k, s, clip=True), k, s)
        for k, colour in enumerate(colours(race.labels))
        for s in range(race.positions.shape[1])
    ]

    def traces(step: int) -> list[go.Scatter | go.Scatter3d]:
        out = []
        for label, colour, path, k, s in paths:
            upto = path[: min(step, len(path) - 1) + 1]
            z_path = race.losses[k, s, : len(upto)]
            common = dict(name=label, legendgroup=label, showlegend=s == 0,
                          line=dict(color=colour, width=4),
                          marker=dict(size=[0] * (len(upto) - 1) + [9], color=colour,
                                      line=dict(color="black", width=1)))  # fmt: skip
            if kind == "surface":
                out.append(go.Scatter3d(x=upto[:, 0], y=upto[:, 1], z=z_path,
                                        mode="lines+markers", **common))  # fmt: skip
            else:
                out.append(go.Scatter(x=upto[:, 0], y=upto[:, 1], mode="lines+markers",
                                      **common))  # fmt: skip
        return out

    moving = list(range(1, len(paths) + 1))  # trace indices the frames update
    figure = go.Figure(
        data=[background, *traces(int(steps[0]))],
        frames=[go.Frame(data=traces(int(t)), traces=moving, name=str(int(t))) for t in steps],
    )
    play = dict(label="play", method="animate",
                args=[None, dict(frame=dict(duration=50, redraw=kind == "surface"),
                                 fromcurrent=True, transition=dict(duration=0))])  # fmt: skip
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    pause = dict(label="pause", method="animate", args=[[None], still])
    slider = dict(
        active=0,
        currentvalue=dict(prefix="step "),
        steps=[
            dict(label=str(int(t)), method="animate",
                 args=[[str(int(t))], dict(mode="immediate", frame=dict(duration=0,
                       redraw=kind == "surface"), transition=dict(duration=0))])
            for t in steps
        ],
    )  # fmt: skip
    (x0, x1), (y0, y1) = land.domain
    figure.update_layout(
        # plain text: rendering LaTeX would need MathJax from the network
        title=dict(text=land.expression or land.name),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.08, buttons=[play, pause])],
        sliders=[slider],
        legend=dict(x=1.02, y=1.0),
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
