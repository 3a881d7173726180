"""Figures of a tuned benchmark (`descentlab tune`): learning-rate sensitivity of the
search, final metrics over seeds, training curves and the performance profile.

Each function takes the frames of the data contract (trials, seeds, curves, results)
and returns a `matplotlib.figure.Figure` built without pyplot's global state. Colours
are the project's optimizer colours; pass ``palette`` (`palette(labels)`) to keep one
colour per optimizer across figures whose frames list them in different orders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter, PercentFormatter

from descentlab.viz.style import colours

from .profile import first_value, metric_of, profile, require

DIVERGED_MARK = {"marker": "x", "markersize": 8, "mew": 2, "linestyle": ""}
OFF_SCALE_MARK = {"marker": "^", "markersize": 7, "linestyle": ""}
BLOW_UP = 10  # a completed trial above this many times the upper quartile is off the scale
EDGE, STAGGER = 0.035, 0.035  # where "x" marks sit (axes fraction) and their spacing


def palette(labels: Sequence[str]) -> dict[str, str]:
    """One colour per optimizer label (first appearance first), the project's own."""
    unique = list(dict.fromkeys(labels))
    return dict(zip(unique, colours(unique), strict=True))


def _text(label: object) -> str:
    """A label as plain text (a '$' would start matplotlib mathtext)."""
    return str(label).replace("$", r"\$")


def _colours(frame: pd.DataFrame, given: dict[str, str] | None) -> dict[str, str]:
    chosen = palette(frame["optimizer"].astype(str).tolist())
    return {**chosen, **(given or {})}


def _panels(count: int, width: float = 4.6, height: float = 3.6) -> tuple[Figure, list[Axes]]:
    """A figure with one panel per task, at most three a row, room for a legend."""
    count = max(count, 1)
    cols = 2 if count == 4 else min(count, 3)
    rows = -(-count // cols)
    fig = Figure(figsize=(width * cols + 1.9, height * rows + 0.5), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in axes[count:]:
        ax.set_visible(False)
    return fig, axes[:count]


def _worst_edge(maximize: bool, k: int) -> float:
    """The axes fraction of the worst edge (bottom when maximizing), staggered per
    optimizer so no mark hides another."""
    return EDGE + STAGGER * k if maximize else 1 - EDGE - STAGGER * k


def _accuracy_axis(ax: Axes, name: str, values: np.ndarray) -> None:
    finite = values[np.isfinite(values)]
    if "accuracy" in name.lower() and finite.size and finite.min() >= 0 and finite.max() <= 1:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def _log_if_wide(ax: Axes, values: np.ndarray, maximize: bool) -> None:
    """A log y-axis for positive minimized metrics spanning more than two decades."""
    finite = values[np.isfinite(values)]
    if not maximize and finite.size and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")


def _blow_up_cap(values: np.ndarray, maximize: bool) -> float:
    """For a positive minimized metric, the value above which a completed trial blew up
    (`BLOW_UP` x the upper quartile) and is marked at the edge instead of stretching
    the axis; inf otherwise."""
    values = values[np.isfinite(values)]
    if maximize or values.size < 4 or values.min() < 0:
        return np.inf
    return BLOW_UP * float(np.percentile(values, 75)) or np.inf


def _room_at_worst_edge(ax: Axes, values: np.ndarray, maximize: bool) -> None:
    """Y-limits around ``values`` with a wider margin at the worst edge, where the "x"
    marks of diverged runs sit (margins in log space on a log axis)."""
    finite = values[np.isfinite(values)]
    log = ax.get_yscale() == "log"
    if log:
        finite = np.log10(finite[finite > 0])
    if not finite.size:
        return
    low, high = float(finite.min()), float(finite.max())
    pad = 0.1 * (high - low) or 0.05 * abs(high) or 0.05
    low, high = low - pad * (2.2 if maximize else 1), high + pad * (1 if maximize else 2.2)
    ax.set_ylim(*((10**low, 10**high) if log else (low, high)))


def _legend(fig: Figure, colour: dict[str, str], shown: Sequence[str],
            extra: Sequence[Line2D | Patch] = ()) -> None:  # fmt: skip
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=colour[label], linewidth=2.2, label=_text(label)) for label in shown
    ]
    handles += list(extra)
    if handles:
        fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=9)


def sensitivity(trials: pd.DataFrame, palette: dict[str, str] | None = None) -> Figure:
    """DeepOBS-style learning-rate sensitivity: per task a panel of the metric of every
    search-phase trial against its learning rate (``hp_lr``, log scale), one line per
    optimizer joining its trials in learning-rate order; the best trial of each is
    ringed. A failed (diverged) trial is an "x" at the panel's worst edge (the bottom
    when the metric is maximized, the top when minimized) at its learning rate, in
    the optimizer's colour; a completed trial of a minimized metric that blew up (more
    than `BLOW_UP` times the task's upper quartile) is a triangle at the top edge, its
    line leaving the axes, so one runaway trial cannot flatten the rest."""
    require(trials, "trials", ["task", "optimizer", "phase", "state", "metric"])
    search = trials[trials["phase"] == "search"]
    tasks = list(dict.fromkeys(search["task"]))
    colour = _colours(search, palette)
    fig, axes = _panels(len(tasks))
    shown: list[str] = []
    any_failed = any_above = False
    for ax, task in zip(axes, tasks, strict=False):
        rows = search[search["task"] == task]
        name, maximize = metric_of(rows)
        has_lr = "hp_lr" in rows.columns and rows["hp_lr"].notna().any()
        if not has_lr:
            ax.text(0.5, 0.5, "no learning rate was searched", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")  # fmt: skip
            ax.set_title(_text(task), fontsize=10)
            continue
        finite = np.isfinite(rows["metric"].astype(float))
        done = (rows["state"] == "COMPLETE") & finite & rows["hp_lr"].notna()
        cap = _blow_up_cap(rows.loc[done, "metric"].to_numpy(float), maximize)
        drawn = np.array([], dtype=float)
        for k, (label, group) in enumerate(rows.groupby("optimizer", sort=False)):
            label = str(label)
            group = group[group["hp_lr"].notna()]
            ok = group[done[group.index]].sort_values("hp_lr")
            if len(ok):
                ax.plot(ok["hp_lr"], ok["metric"], "-o", color=colour[label], markersize=4,
                        linewidth=1.6, alpha=0.9)  # fmt: skip
                best = ok["metric"].idxmax() if maximize else ok["metric"].idxmin()
                ax.plot(ok.loc[best, "hp_lr"], ok.loc[best, "metric"], "o", markersize=11,
                        markerfacecolor="none", markeredgecolor=colour[label], mew=1.8)  # fmt: skip
                values = ok["metric"].to_numpy(float)
                drawn = np.concatenate([drawn, values[values <= cap]])
                above = ok[values > cap]
                if len(above):
                    any_above = True
                    ax.plot(above["hp_lr"], np.full(len(above), _worst_edge(maximize, k)),
                            color=colour[label], transform=ax.get_xaxis_transform(),
                            clip_on=False, gid="off scale", **OFF_SCALE_MARK)  # fmt: skip
            failed = group[~done[group.index]]
            if len(failed):
                any_failed = True
                ax.plot(failed["hp_lr"], np.full(len(failed), _worst_edge(maximize, k)),
                        color=colour[label], transform=ax.get_xaxis_transform(),
                        clip_on=False, gid="diverged", **DIVERGED_MARK)  # fmt: skip
            if label not in shown and (len(ok) or len(failed)):
                shown.append(label)
        ax.set_xscale("log")
        _log_if_wide(ax, drawn, maximize)
        _accuracy_axis(ax, name, drawn)
        _room_at_worst_edge(ax, drawn, maximize)
        ax.set_xlabel("learning rate (lr)")
        ax.set_ylabel(f"{_text(name)} ({'higher' if maximize else 'lower'} is better)")
        without = [
            str(o) for o, g in rows.groupby("optimizer", sort=False) if g["hp_lr"].isna().all()
        ]
        note = f"\n(no lr searched: {', '.join(map(_text, without))})" if without else ""
        ax.set_title(_text(task) + note, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    extra: list[Line2D | Patch] = [
        Line2D([], [], marker="o", markersize=10, markerfacecolor="none",
               markeredgecolor="0.3", linestyle="", label="best trial"),
    ]  # fmt: skip
    if any_failed:
        extra.append(Line2D([], [], color="0.3", label="diverged", **DIVERGED_MARK))
    if any_above:
        extra.append(Line2D([], [], color="0.3", label=f"off the scale (> {BLOW_UP:g}x the\n"
                            "upper quartile)", **OFF_SCALE_MARK))  # fmt: skip
    _legend(fig, colour, shown, extra)
    fig.suptitle("Learning-rate sensitivity: every search trial", fontsize=11)
    return fig


def seed_boxes(seeds: pd.DataFrame, palette: dict[str, str] | None = None) -> Figure:
    """Box plots over seeds of the final metric of each optimizer's best setting, one
    panel per task, one box per optimizer, with every seed as a dot; a seed whose final
    value is missing (diverged) is an "x" at the worst edge."""
    require(seeds, "seeds", ["task", "optimizer", "seed", "final"])
    tasks = list(dict.fromkeys(seeds["task"]))
    colour = _colours(seeds, palette)
    labels_all = list(dict.fromkeys(seeds["optimizer"].astype(str)))
    longest = max((len(label) for label in labels_all), default=0)
    fig, axes = _panels(len(tasks), width=max(3.6, 0.75 * len(labels_all) + 1.2), height=3.8)
    any_failed = False
    for ax, task in zip(axes, tasks, strict=False):
        rows = seeds[seeds["task"] == task]
        name, maximize = metric_of(rows)
        labels = list(dict.fromkeys(rows["optimizer"].astype(str)))
        values = [rows.loc[rows["optimizer"] == label, "final"].to_numpy(float) for label in labels]
        finite = [v[np.isfinite(v)] for v in values]
        boxes = ax.boxplot(
            [f if f.size else [np.nan] for f in finite], positions=range(len(labels)),
            widths=0.55, patch_artist=True, showfliers=False,
            medianprops={"color": "black", "linewidth": 1.6},
            whiskerprops={"color": "0.35"}, capprops={"color": "0.35"},
        )  # fmt: skip
        for line in boxes["medians"]:
            line.set_gid("median")
        for box, label in zip(boxes["boxes"], labels, strict=True):
            box.set(facecolor=colour[label], alpha=0.35, edgecolor=colour[label], linewidth=1.4)
        for i, (label, f) in enumerate(zip(labels, finite, strict=True)):
            jitter = np.linspace(-0.12, 0.12, f.size) if f.size > 1 else np.zeros(f.size)
            ax.plot(i + jitter, f, "o", color=colour[label], markersize=4.5,
                    markeredgecolor="white", markeredgewidth=0.5, zorder=3)  # fmt: skip
            lost = int(np.sum(~np.isfinite(values[i])))
            if lost:
                any_failed = True
                ax.plot(np.full(lost, i) + np.linspace(-0.1, 0.1, lost),
                        np.full(lost, _worst_edge(maximize, 0)), color=colour[label],
                        transform=ax.get_xaxis_transform(), gid="diverged",
                        **DIVERGED_MARK)  # fmt: skip
        rotate = 25 if longest > 8 else 0
        ax.set_xticks(range(len(labels)), [_text(label) for label in labels], rotation=rotate,
                      ha="right" if rotate else "center", fontsize=9)  # fmt: skip
        shown = np.concatenate(finite) if finite else np.array([])
        if any((~np.isfinite(v)).any() for v in values):
            _room_at_worst_edge(ax, shown, maximize)
        _accuracy_axis(ax, name, shown)
        ax.set_ylabel(f"final {_text(name)} ({'higher' if maximize else 'lower'} is better)")
        count = rows.groupby("optimizer")["seed"].nunique()
        seeds_text = str(count.iloc[0]) if count.nunique() == 1 else f"{count.min()}-{count.max()}"
        ax.set_title(f"{_text(task)}: {seeds_text} seeds each", fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    if any_failed:
        fig.legend(handles=[Line2D([], [], color="0.3", label="diverged seed", **DIVERGED_MARK)],
                   loc="outside right upper", frameon=False, fontsize=9)  # fmt: skip
    fig.suptitle("Final metric over seeds of each optimizer's tuned setting", fontsize=11)
    return fig


def training_curves(curves: pd.DataFrame, palette: dict[str, str] | None = None) -> Figure:
    """Per task a panel of the metric against examples seen: the median over seeds per
    optimizer, with a band from the smallest to the largest seed at each point."""
    require(curves, "curves", ["task", "optimizer", "seed", "examples", "value"])
    tasks = list(dict.fromkeys(curves["task"]))
    colour = _colours(curves, palette)
    fig, axes = _panels(len(tasks))
    shown: list[str] = []
    for ax, task in zip(axes, tasks, strict=False):
        rows = curves[curves["task"] == task]
        name = str(first_value(rows, "metric_name", "metric"))
        drawn = np.array([], dtype=float)
        counts = []
        for label, group in rows.groupby("optimizer", sort=False):
            label = str(label)
            table = group.pivot_table(index="examples", columns="seed", values="value",
                                      aggfunc="last", dropna=False).sort_index()  # fmt: skip
            data = np.array(table.to_numpy(float), copy=True)
            data[~np.isfinite(data)] = np.nan
            keep = np.isfinite(data).any(axis=1)
            if not keep.any():
                continue
            x, data = table.index.to_numpy(float)[keep], data[keep]
            counts.append(table.shape[1])
            median = np.nanmedian(data, axis=1)
            ax.fill_between(x, np.nanmin(data, axis=1), np.nanmax(data, axis=1),
                            color=colour[label], alpha=0.18, linewidth=0)  # fmt: skip
            ax.plot(x, median, color=colour[label], linewidth=1.9)
            drawn = np.concatenate([drawn, data[np.isfinite(data)]])
            if label not in shown:
                shown.append(label)
        maximize = bool(first_value(rows, "maximize", "accuracy" in name.lower()))
        _log_if_wide(ax, drawn, maximize)
        _accuracy_axis(ax, name, drawn)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.set_xlabel("examples seen")
        ax.set_ylabel(_text(name))
        seeds_text = (str(counts[0]) if len(set(counts)) == 1 else f"{min(counts)}-{max(counts)}"
                      ) if counts else "no"  # fmt: skip
        ax.set_title(f"{_text(task)}: median of {seeds_text} seeds", fontsize=10)
        ax.grid(alpha=0.3, which="both")
    band = Patch(facecolor="0.5", alpha=0.3, label="min to max over seeds")
    _legend(fig, colour, shown, [band])
    fig.suptitle("Training curves of each optimizer's tuned setting", fontsize=11)
    return fig


def performance_profile(
    results: pd.DataFrame, column: str = "final_median", palette: dict[str, str] | None = None
) -> Figure:
    """AlgoPerf's performance profile: per optimizer the fraction of tasks rho(tau) on
    which its ratio to the best optimizer's score is at most tau (``profile`` defines
    the ratio). A curve high on the left means best on many tasks; reaching 1 means it
    came within tau of the best everywhere. With one task it is still drawn, but the
    title says it means little."""
    curves = profile(results, column)
    colour = _colours(results, palette)
    count = results["task"].nunique()
    fig = Figure(figsize=(8.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    widths = np.linspace(4.2, 1.6, max(len(curves), 1))  # later lines thinner: ties stay visible
    for (label, (taus, rho)), width in zip(curves.items(), widths, strict=False):
        ax.step(taus, rho, where="post", color=colour[label], linewidth=width, alpha=0.9,
                solid_capstyle="butt", label=_text(label))  # fmt: skip
    tau_max = max((float(t[-1]) for t, _ in curves.values()), default=1.1)
    if tau_max > 10:
        ax.set_xscale("log")
    ax.set_xlim(1, tau_max)
    ax.set_ylim(-0.02, 1.04)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(r"$\tau$: ratio to the best optimizer on the task")
    ax.set_ylabel(r"$\rho(\tau)$: share of tasks within $\tau$")
    ax.grid(alpha=0.3, which="both")
    what = column.replace("_", " ")
    if count < 2:
        title = f"Performance profile of {what}: one task only, so it says little"
    else:
        title = f"Performance profile of {what} over {count} tasks"
    ax.set_title(title, fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", frameon=False, fontsize=9)
    return fig
