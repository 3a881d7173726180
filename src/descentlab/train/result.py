"""Training results: one run's curve, and a comparison of several runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def as_curve(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with exactly the curve's columns and types (examples whole, the rest float)."""
    curve = frame[list(CURVE_COLUMNS)].astype(float)
    return curve.astype({"examples": "int64"})


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
