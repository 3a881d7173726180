"""Training results: one run's curve, and a comparison of several runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from ..engine.storage import read_result, save_frame

#: the columns of every curve, one row per evaluation
CURVE_COLUMNS = (
    "epoch",
    "examples",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "lr",
    "seconds",
)


#: the columns of `TrainingRun.summary` and `Training.summary`, one row per run
SUMMARY_COLUMNS = (
    "optimizer",
    "epochs",
    "examples",
    "final_train_loss",
    "best_train_loss",
    "final_val_loss",
    "final_val_accuracy",
    "best_val_accuracy",
    "diverged",
    "diverged_at",
    "seconds",
)
REPR_RUNS = 6  # a comparison's repr lists this many runs, then counts the rest
REPR_LABEL = 28  # labels are cut to this width in a repr


def as_curve(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with exactly the curve's columns and types (examples whole, the rest float)."""
    curve = frame[list(CURVE_COLUMNS)].astype(float)
    return curve.astype({"examples": "int64"})


def _summary(runs: list[TrainingRun]) -> pd.DataFrame:
    rows = []
    for run in runs:
        curve, last = run.curve, run.curve.iloc[-1]
        train = curve["train_loss"].to_numpy()
        finite = train[np.isfinite(train)]
        rows.append(
            {
                "optimizer": run.label,
                "epochs": float(last["epoch"]),
                "examples": int(last["examples"]),
                "final_train_loss": float(last["train_loss"]),
                "best_train_loss": float(finite.min()) if finite.size else np.nan,
                "final_val_loss": float(last["val_loss"]),
                "final_val_accuracy": float(last["val_accuracy"]),
                "best_val_accuracy": float(curve["val_accuracy"].max()),  # NaN if none
                "diverged": run.diverged_at >= 0,
                "diverged_at": int(run.diverged_at),
                "seconds": float(last["seconds"]),
            }
        )
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return frame.astype({"examples": "int64", "diverged": bool, "diverged_at": "int64"})


def _best(summary: pd.DataFrame, kind: str) -> tuple[int | None, str]:
    """The position of the best run that did not diverge, and what "best" means: the
    highest final validation accuracy (classification), else the lowest final
    validation loss, else the lowest final training loss."""
    calm = summary[~summary["diverged"]]
    for column, what in (
        ("final_val_accuracy", "highest final validation accuracy"),
        ("final_val_loss", "lowest final validation loss"),
        ("final_train_loss", "lowest final train loss"),
    ):
        values = calm[column]
        if column == "final_val_accuracy" and kind != "classification":
            continue
        if values.notna().any():
            best = values.idxmax() if column == "final_val_accuracy" else values.idxmin()
            return int(best), what
    return None, ""


def _setup(options: dict[str, Any]) -> str:
    """The settings of a run in a few words: "2 epochs of batch 10, seed 0"."""
    length = []
    if "epochs" in options:
        length.append(f"{options['epochs']} epoch{'s' if options['epochs'] != 1 else ''}")
    if "batch_size" in options:
        length.append(f"of batch {options['batch_size']}")
    parts = [" ".join(length)] if length else []
    if "seed" in options:
        parts.append(f"seed {options['seed']}")
    if options.get("scheduler"):
        parts.append(f"scheduler {options['scheduler']}")
    if options.get("dtype") not in (None, "torch.float32"):
        parts.append(str(options["dtype"]).removeprefix("torch."))
    return ", ".join(parts)


def _outcome(row: pd.Series) -> str:
    """One summary row in words: its final losses, or where it diverged."""
    if row["diverged"]:
        return f"diverged at {row['diverged_at']} examples (epoch {row['epochs']:.3g})"
    words = [f"train loss {row['final_train_loss']:.4g}"]
    if np.isfinite(row["final_val_loss"]):
        words.append(f"val loss {row['final_val_loss']:.4g}")
    if np.isfinite(row["final_val_accuracy"]):
        words.append(f"val accuracy {row['final_val_accuracy']:.1%}")
    return ", ".join(words)


def _short(label: str) -> str:
    return label if len(label) <= REPR_LABEL else label[: REPR_LABEL - 1] + "…"


@dataclass(eq=False)
class TrainingRun:
    """One model trained with one optimizer: the curve and the trained model.

    ``curve`` has one row per evaluation: epoch (fractional), examples seen, training
    loss and accuracy on the whole training set, validation loss and accuracy (NaN
    where the task has none), learning rate, and seconds since training began.
    ``diverged_at`` is the number of examples seen when the loss stopped being
    finite (training stops there), or -1.
    """

    task: str
    kind: str
    label: str
    spec: str
    curve: pd.DataFrame
    options: dict[str, Any]
    diverged_at: int = -1
    model: nn.Module | None = field(default=None, repr=False)

    @property
    def final(self) -> dict[str, float]:
        """The last row of the curve (examples as a whole number)."""
        row = self.curve.iloc[-1]
        return {k: int(v) if k == "examples" else float(v) for k, v in row.items()}

    def summary(self) -> pd.DataFrame:
        """One row (see `Training.summary`) read from the curve."""
        return _summary([self])

    def __repr__(self) -> str:
        lines = [f"TrainingRun: {self.task}, {self.label}"]
        setup = _setup(self.options)
        if setup:
            lines.append(f"  {setup}")
        lines.append(f"  final: {_outcome(self.summary().iloc[0])}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The curve with an ``optimizer`` column in front."""
        return self.curve.assign(optimizer=self.label)[["optimizer", *CURVE_COLUMNS]]

    def save(self, path: str | Path) -> Path:
        """Write the curve as .csv, .parquet or .npz (chosen by the extension)."""
        return Training(runs=[self]).save(path)


@dataclass(eq=False)
class Training:
    """Several runs of one task, one per optimizer, from the same weights and data order
    (what `compare` returns). Iterate it, index it by position or label."""

    runs: list[TrainingRun]

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("a comparison needs at least one run")
        if len({run.task for run in self.runs}) != 1:
            raise ValueError("the runs of a comparison must train the same task")

    @property
    def task(self) -> str:
        return self.runs[0].task

    @property
    def kind(self) -> str:
        return self.runs[0].kind

    @property
    def labels(self) -> list[str]:
        return [run.label for run in self.runs]

    def __iter__(self) -> Iterator[TrainingRun]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, key: int | str) -> TrainingRun:
        if isinstance(key, str):
            for run in self.runs:
                if run.label == key:
                    return run
            raise KeyError(f"no run labelled {key!r}; runs: {', '.join(self.labels)}")
        return self.runs[key]

    def summary(self) -> pd.DataFrame:
        """One row per run, read from its curve.

        Columns: optimizer (the label), epochs (run, fractional when it diverged),
        examples (seen), final_train_loss, best_train_loss (the lowest finite one),
        final_val_loss, final_val_accuracy, best_val_accuracy (NaN where the task has
        no validation data or no accuracy), diverged (bool), diverged_at (examples
        seen when the loss stopped being finite, else -1) and seconds.
        """
        return _summary(self.runs)

    def __repr__(self) -> str:
        summary = self.summary()
        best, what = _best(summary, self.kind)
        setups = {_setup(run.options) for run in self.runs}
        setup = setups.pop() if len(setups) == 1 else "settings differ between runs"
        count = f"{len(self)} optimizer{'s' if len(self) > 1 else ''}"
        lines = [f"Training: {self.task}, {count}" + (f", {setup}" if setup else "")]
        width = max(len(_short(label)) for label in self.labels[:REPR_RUNS])
        for position, row in summary.head(REPR_RUNS).iterrows():
            mark = "*" if position == best and len(self) > 1 else " "
            lines.append(f"  {mark} {_short(row['optimizer']):<{width}}  {_outcome(row)}")
        if len(self) > REPR_RUNS:
            lines.append(f"    ... {len(self) - REPR_RUNS} more (see .summary())")
        if best is not None and len(self) > 1:
            hidden = best >= REPR_RUNS  # the best run's line is not shown
            lines.append(f"  (best by {what}: {self.labels[best]})" if hidden else f"  (* {what})")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Every run's curve in one tidy frame, with an ``optimizer`` column."""
        return pd.concat([run.to_frame() for run in self.runs], ignore_index=True)

    def save(self, path: str | Path) -> Path:
        """Write every curve as .csv, .parquet or .npz (chosen by the extension)."""
        meta = {
            "kind": "training",
            "task": self.task,
            "task_kind": self.kind,
            "runs": [
                {
                    "label": run.label,
                    "spec": run.spec,
                    "options": run.options,
                    "diverged_at": run.diverged_at,
                }
                for run in self.runs
            ],
        }
        return save_frame(path, self.to_frame(), meta)

    @classmethod
    def load(cls, path: str | Path) -> Training:
        """Read curves written by `save` (the trained models are not in the file)."""
        return read_result(path, "training", cls._from_frame)

    @classmethod
    def _from_frame(cls, frame: pd.DataFrame, meta: dict[str, Any]) -> Training:
        runs = []
        for entry in meta["runs"]:
            rows = frame[frame["optimizer"] == entry["label"]]
            if rows.empty:
                raise ValueError(f"it has no rows for {entry['label']!r}")
            runs.append(
                TrainingRun(
                    task=meta["task"],
                    kind=meta["task_kind"],
                    label=entry["label"],
                    spec=entry["spec"],
                    curve=as_curve(rows[list(CURVE_COLUMNS)].reset_index(drop=True)),
                    options=dict(entry["options"]),
                    diverged_at=int(entry["diverged_at"]),
                )
            )
        return cls(runs=runs)
