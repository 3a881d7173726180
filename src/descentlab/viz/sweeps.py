"""Figures of sweeps: basin maps, learning-rate sensitivity, hyperparameter heatmaps."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..engine import Sweep
from .drawing import mark_minima
from .style import colours, math

BASIN_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]
DIVERGED, NONE = "#9e9e9e", "#ffffff"


def _start_grid(sweep: Sweep) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = np.unique(sweep.starts[:, 0]), np.unique(sweep.starts[:, 1])
    if len(xs) * len(ys) != len(sweep.starts):
        raise ValueError("a basin map needs starts on a grid (see grid_starts)")
    return xs, ys


def basins(sweep: Sweep | Sequence[Sweep], by: str | None = None) -> Figure:
    """The start grid coloured by the known minimum each start reached: one panel per
    sweep of a list or `Sweeps` (one per optimizer) or, for one sweep, per value of
    ``by`` (default: the first swept hyperparameter); minima marked, diverged starts
    grey, starts that reached no known minimum white."""
    if not isinstance(sweep, Sweep):
        sweeps = list(sweep)
        if not sweeps or not all(isinstance(s, Sweep) for s in sweeps):
            raise TypeError("basins takes a Sweep, Sweeps or a list of Sweep")
        if any(s.landscape.name != sweeps[0].landscape.name for s in sweeps):
            raise ValueError("the sweeps compared must share one landscape")
        if any(not np.array_equal(s.starts, sweeps[0].starts) for s in sweeps):
            raise ValueError("the sweeps compared must share one grid of starts")
        return _basin_panels(sweeps[0], [(s.spec, s.frame) for s in sweeps], None, "")
    frame = sweep.frame
    by = by if by is not None else next(iter(sweep.grid), None)
    if by is not None and by not in frame.columns:
        raise ValueError(f"cannot split by {by!r}; columns: {', '.join(frame.columns)}")
    groups = [(sweep.spec, frame)] if by is None else list(frame.groupby(by, sort=True))
    return _basin_panels(sweep, groups, by, f"{sweep.spec} on ")


def _basin_panels(
    sweep: Sweep, groups: list[tuple[object, pd.DataFrame]], by: str | None, title: str
) -> Figure:
    land = sweep.landscape
    if land.dim != 2 or not land.minima:
        raise ValueError(f"a basin map needs a 2-D landscape with known minima; not {land.name}")
    xs, ys = _start_grid(sweep)
    cols = min(len(groups), 4)
    rows = -(-len(groups) // cols)
    # wide enough for the title above one panel and the legend beside it
    fig = Figure(figsize=(max(3.6 * cols + 1.4, 7.0), 3.4 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    count = len(land.minima)
    palette = [DIVERGED, NONE] + [BASIN_COLOURS[i % len(BASIN_COLOURS)] for i in range(count)]
    cmap = ListedColormap(palette)
    norm = BoundaryNorm(np.arange(-2.5, count + 0.5), cmap.N)
    for ax, (value, group) in zip(axes.flat, groups, strict=False):
        if len(group) != len(xs) * len(ys):
            raise ValueError(
                f"a basin map shows one value of each swept setting per panel, but this sweep "
                f"of {sweep.spec} also varies {', '.join(k for k in sweep.grid if k != by)}; "
                "sweep one setting at a time"
            )
        # never within tol of a known minimum value: not reached (white), whatever is nearest
        code = np.where(
            group["diverged"], -2, np.where(group["steps_to_tol"] < 0, -1, group["basin"])
        )
        image = np.full((len(ys), len(xs)), np.nan)
        image[np.searchsorted(ys, group["start_y"]), np.searchsorted(xs, group["start_x"])] = code
        ax.pcolormesh(xs, ys, image, cmap=cmap, norm=norm, shading="nearest")
        mark_minima(ax, land, markersize=12)
        ax.set_title(f"{by} = {value:.3g}" if by is not None else str(value), fontsize=9)
        ax.set_aspect("equal")
    for ax in axes.flat[len(groups) :]:
        ax.set_visible(False)
    entries = [(DIVERGED, "diverged"), (NONE, "no known minimum reached")] + [
        (palette[i + 2], f"minimum {i}: {_point(m.point)}") for i, m in enumerate(land.minima)
    ]
    handles = [
        Patch(facecolor=colour, edgecolor="black", linewidth=0.4, label=label)
        for colour, label in entries
    ]
    fig.legend(handles=handles, loc="outside right center", frameon=False, fontsize=8)
    fig.suptitle(f"{title}{land.name}:  {math(land.formula)}", fontsize=10)
    return fig


def _point(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in point) + ")"


def sensitivity(sweeps: Sweep | Sequence[Sweep], x: str = "lr") -> Figure:
    """Final loss against a hyperparameter (the learning rate by default): the median
    across starts, with the interquartile band; one line per sweep's optimizer (of a
    list or `Sweeps`).
    Diverged runs count as infinitely bad."""
    sweeps = [sweeps] if isinstance(sweeps, Sweep) else list(sweeps)
    if not sweeps or not all(isinstance(s, Sweep) for s in sweeps):
        raise TypeError("sensitivity takes a Sweep, Sweeps or a list of Sweep")
    land = sweeps[0].landscape
    if any(s.landscape.name != land.name for s in sweeps):
        raise ValueError("the sweeps compared must share one landscape")
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    target = land.min_value
    lines = []  # (label, frame rows): one per sweep and per value of its other grid keys
    for sweep in sweeps:
        if x not in sweep.frame.columns:
            raise ValueError(f"{sweep.spec} was not swept over {x!r}")
        others = [k for k in sweep.frame.columns if k in _grid_columns(sweep) and k != x]
        if others:
            for values, rows in sweep.frame.groupby(others, sort=True):
                values = values if isinstance(values, tuple) else (values,)
                tag = ", ".join(f"{k}={v:.3g}" for k, v in zip(others, values, strict=True))
                lines.append((f"{sweep.spec}, {tag}", rows))
        else:
            lines.append((sweep.spec, sweep.frame))
    palette = colours([label for label, _ in lines])
    for k, ((label, rows), colour) in enumerate(zip(lines, palette, strict=True)):
        gap = (rows["final_loss"] - (target or 0.0)).where(~rows["diverged"], np.inf)
        stats = gap.groupby(rows[x]).quantile([0.25, 0.5, 0.75]).unstack()
        ax.plot(stats.index, stats[0.5], "-o", markersize=3, color=colour, label=label)
        ax.fill_between(stats.index, stats[0.25], stats[0.75], color=colour, alpha=0.2)
        lost = stats.index[~np.isfinite(stats[0.5])]  # most starts diverged
        if len(lost):
            # one row of marks per optimizer along the top, so none hides another
            ax.plot(lost, np.full(len(lost), 0.97 - 0.035 * k), "x", color=colour,
                    markersize=8, mew=2, transform=ax.get_xaxis_transform())  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(r"final $f - f^\star$" if target is not None else "final $f$")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(
        f"{land.name}: median and interquartile range over starts (x at the top: diverged)",
        fontsize=9,
    )
    ax.legend(frameon=False, fontsize=8)
    return fig


def _grid_columns(sweep: Sweep) -> set[str]:
    """Frame columns that hold swept hyperparameters (pairs appear as name[i])."""
    columns = set()
    for name, values in sweep.grid.items():
        if isinstance(values[0], tuple):
            columns |= {f"{name}[{i}]" for i in range(len(values[0]))}
        else:
            columns.add(name)
    return {c for c in columns if c in sweep.frame.columns and sweep.frame[c].nunique() > 1}


def heatmap(sweep: Sweep, x: str, y: str, value: str = "final_loss") -> Figure:
    """The median of ``value`` over starts for every (x, y) pair of swept
    hyperparameters, e.g. ``heatmap(sweep, x="lr", y="momentum")``."""
    frame = sweep.frame
    for name in (x, y, value):
        if name not in frame.columns:
            raise ValueError(f"{name!r} is not a column of this sweep: {', '.join(frame.columns)}")
    if x == y:
        raise ValueError("heatmap needs two different columns for x and y")
    shown = frame[value].astype(float)
    label = f"median {value}"
    if value in ("steps_to_tol", "basin"):
        shown = shown.where(shown >= 0, np.nan)  # never reached / no basin: grey
    elif value in ("final_loss", "best_loss") and sweep.landscape.min_value is not None:
        shown = (shown - sweep.landscape.min_value).clip(lower=1e-12)
        label = rf"median {value} $- f^\star$"
    table = frame.assign(_v=shown.where(~frame["diverged"], np.nan)).pivot_table(
        index=y, columns=x, values="_v", aggfunc="median", dropna=False
    )
    fig = Figure(figsize=(7.5, 5), layout="constrained")
    ax = fig.add_subplot()
    data = table.to_numpy(dtype=float)
    finite = data[np.isfinite(data)]
    positive = finite.size and finite.min() > 0
    norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if positive else None
    cmap = matplotlib.colormaps["viridis_r"].with_extremes(bad=DIVERGED)
    shown = np.where(np.isfinite(data), data, np.nan)
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap, norm=norm)
    ax.set_xticks(range(len(table.columns)), [f"{v:.3g}" for v in table.columns], rotation=45)
    ax.set_yticks(range(len(table.index)), [f"{v:.3g}" for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(image, ax=ax, label=f"{label} (grey: diverged or never)")
    ax.set_title(f"{sweep.spec} on {sweep.landscape.name}", fontsize=10)
    return fig
