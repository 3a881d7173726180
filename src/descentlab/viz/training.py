"""Training curves: loss per optimizer against epochs, accuracy for classification."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ..train import Training, TrainingRun
from .style import colours

TRAIN_STYLE, VALIDATION_STYLE = "-", "--"


def as_runs(result: Training | TrainingRun | Sequence[TrainingRun]) -> list[TrainingRun]:
    """The runs of a comparison, a single run or a list of runs (of one task)."""
    if isinstance(result, TrainingRun):
        return [result]
    runs = list(result)
    if not runs or not all(isinstance(run, TrainingRun) for run in runs):
        raise TypeError("training curves draw a TrainingRun, a Training or a list of runs")
    return Training(runs=runs).runs  # checks they train one task


def _zoomed_limits(series: list[np.ndarray]) -> tuple[float, float] | None:
    """A linear range that shows where the runs end up: the first tenth of training
    (the steep fall from the initial loss) may leave the top of the axes."""
    tails = [s[max(len(s) // 10, 1) :] for s in series if np.isfinite(s).any()]
    values = np.concatenate([t[np.isfinite(t)] for t in tails]) if tails else np.array([])
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    pad = 0.06 * (high - low) or 0.01 * abs(high) or 0.01
    return low - pad, high + pad


def _draw(ax: Axes, run: TrainingRun, colour: str, column: str, style: str) -> None:
    curve = run.curve
    values = curve[column].to_numpy(dtype=float)
    if np.isfinite(values).any():
        ax.plot(curve["epoch"], values, style, color=colour, linewidth=1.8)


def _mark_divergence(ax: Axes, run: TrainingRun, colour: str, column: str) -> None:
    """An X at the run's last finite value, held inside the axes when it is off them."""
    values = run.curve[column].to_numpy(dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size:
        low, high = ax.get_ylim()
        value = float(np.clip(values[finite[-1]], low, high))
        ax.plot(run.curve["epoch"].iloc[finite[-1]], value, marker="X", color=colour,
                markeredgecolor="black", markersize=9, clip_on=False)  # fmt: skip


def training_curves(result: Training | TrainingRun | Sequence[TrainingRun]) -> Figure:
    """Training (solid) and validation (dashed) loss per optimizer against epochs; for
    classification a second panel with the accuracies. A diverged run ends with an X,
    and the axes follow the runs that did not diverge."""
    runs = as_runs(result)
    classification = runs[0].kind == "classification"
    has_validation = any(run.curve["val_loss"].notna().any() for run in runs)
    palette = colours([run.label for run in runs])
    fig = Figure(figsize=(11.5 if classification else 8.0, 4.6), layout="constrained")
    axes = fig.subplots(1, 2 if classification else 1, squeeze=False)[0]
    loss_ax = axes[0]
    for run, colour in zip(runs, palette, strict=True):
        for column, style in (("train", TRAIN_STYLE), ("val", VALIDATION_STYLE)):
            _draw(loss_ax, run, colour, f"{column}_loss", style)
            if classification:
                _draw(axes[1], run, colour, f"{column}_accuracy", style)
    # the range follows the runs that did not diverge; a diverged one leaves the axes
    kept = [run for run in runs if run.diverged_at < 0] or runs
    losses = [run.curve[c].to_numpy(float) for run in kept for c in ("train_loss", "val_loss")]
    finite = np.concatenate([v[np.isfinite(v)] for v in losses])
    if classification and finite.size and finite.min() > 0 and finite.max() / finite.min() > 10:
        loss_ax.set_yscale("log")
    elif (limits := _zoomed_limits(losses)) is not None:
        loss_ax.set_ylim(*limits)
    loss_ax.set_ylabel("loss")
    loss_ax.set_title(f"{runs[0].task}: loss")
    if classification:
        accuracy_ax = axes[1]
        accuracy_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        accuracy = [run.curve[f"{c}_accuracy"].to_numpy(float) for run in kept
                    for c in ("train", "val")]  # fmt: skip
        if (limits := _zoomed_limits(accuracy)) is not None:
            accuracy_ax.set_ylim(limits[0], min(limits[1], 1.005))
        accuracy_ax.set_ylabel("accuracy")
        accuracy_ax.set_title(f"{runs[0].task}: accuracy")
    for run, colour in zip(runs, palette, strict=True):
        if run.diverged_at >= 0:
            _mark_divergence(loss_ax, run, colour, "train_loss")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3, which="both")
    handles = [Line2D([], [], color=c, linewidth=2, label=run.label)
               for run, c in zip(runs, palette, strict=True)]  # fmt: skip
    if has_validation:
        handles += [
            Line2D([], [], color="black", linestyle=TRAIN_STYLE, label="training"),
            Line2D([], [], color="black", linestyle=VALIDATION_STYLE, label="validation"),
        ]
    if any(run.diverged_at >= 0 for run in runs):
        handles.append(Line2D([], [], linestyle="", marker="X", color="grey",
                              markeredgecolor="black", label="diverged"))  # fmt: skip
    fig.legend(handles=handles, loc="outside right upper", frameon=False)
    return fig
