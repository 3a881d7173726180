"""The layout of an interactive race: the map as a background picture with its colour
bar, the axes framed on the box (a 3-D scene seen from the landscape's view, its z axis
in decades on a log surface), and the play, pause and step controls."""

from __future__ import annotations

import base64
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from matplotlib.colors import LogNorm

from ..landscapes import Landscape
from .drawing import map_image
from .framing import Box

Kind = Literal["surface", "contour"]
PAD = 0.03  # room around the surface's box, as a share of its span


def map_background(land: Landscape, box: Box) -> tuple[dict[str, Any], go.Scatter]:
    """The static map's contours over the box as a layout image, and a trace that shows
    only their colour bar (f, or f - min f in decades on log levels)."""
    png, filled = map_image(land, box)
    (x0, x1), (y0, y1) = box
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    image = dict(source=source, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                 sizing="stretch", layer="below")  # fmt: skip
    levels = np.asarray(filled.levels, dtype=float)  # type: ignore[attr-defined]
    log = isinstance(filled.norm, LogNorm)  # type: ignore[attr-defined]
    shown = np.log10(levels) if log else levels
    bar = {**(decades(shown) if log else {"title": "f"}), "thickness": 14, "len": 0.85, "x": 1.0}
    bar["title"] = dict(text=bar["title"], side="right")
    scale = dict(color=[float(shown[0])], colorscale="Viridis", cmin=float(shown[0]),
                 cmax=float(shown[-1]), showscale=True, colorbar=bar)  # fmt: skip
    return image, go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker=scale,
        showlegend=False,
        hoverinfo="skip",
        name="colour bar",
    )


def player(kind: Kind) -> dict[str, Any]:
    """The play and pause buttons. A map's frames only move its paths: redrawn whole
    at every frame, the contours vanished while it played; a scene needs the redraw."""
    redraw = kind == "surface"
    play = dict(label="play", method="animate",
                args=[None, dict(frame=dict(duration=50, redraw=redraw),
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


def frame_axes(
    figure: go.Figure, kind: Kind, box: Box, log: bool = False, view: tuple = (35.0, -60.0)
) -> None:
    """The axes show the box: exactly on the map (at equal scales unless too thin), with a
    little room around it on the surface, whose z axis reads in decades when log."""
    (x0, x1), (y0, y1) = box
    if kind == "surface":
        # WebGL cuts what passes the ranges: a little room keeps the marks at the edge whole
        dx, dy = PAD * (x1 - x0), PAD * (y1 - y0)
        z = decades(figure.data[0].z) if log else {"title": "f", "nticks": 5}
        figure.update_scenes(xaxis=dict(range=[x0 - dx, x1 + dx], title="x", nticks=5),
                             yaxis=dict(range=[y0 - dy, y1 + dy], title="y", nticks=5), zaxis=z,
                             aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7),
                             camera=dict(eye=eye(view)))  # fmt: skip
        return
    figure.update_xaxes(range=[x0, x1], title="x", showgrid=False, zeroline=False)
    figure.update_yaxes(range=[y0, y1], title="y", showgrid=False, zeroline=False)
    if 0.25 <= (x1 - x0) / (y1 - y0) <= 4:
        # the plot area shrinks to keep equal scales; the ranges stay the box
        figure.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
        figure.update_xaxes(constrain="domain")


def decades(z: Any) -> dict[str, Any]:
    """A z axis of log10(f - min f) labelled in powers of ten."""
    values = np.asarray(z, dtype=float)
    low, high = np.floor(np.nanmin(values)), np.ceil(np.nanmax(values))
    ticks = np.arange(low, high + 1, max(1, int(np.ceil((high - low) / 4))))
    return dict(title="f − min f", tickvals=ticks.tolist(),
                ticktext=[f"10<sup>{int(t)}</sup>" for t in ticks])  # fmt: skip


def eye(view: tuple[float, float], distance: float = 2.0) -> dict[str, float]:
    """Plotly's camera eye for the landscape's view (elevation, azimuth in degrees), as
    the static surfaces see it."""
    elevation, azimuth = np.radians(view)
    return dict(x=float(distance * np.cos(elevation) * np.cos(azimuth)),
                y=float(distance * np.cos(elevation) * np.sin(azimuth)),
                z=float(distance * np.sin(elevation)))  # fmt: skip
