"""What the command line prints after a job: the result's summary table."""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

ROWS = 12  # the best rows shown; the rest are in the result's files


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return "–"
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isnan(value):
        if "accuracy" in column or "fraction" in column:
            return f"{value:.1%}"
        if column == "seconds":
            return f"{value:.2f}"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.3g}"
    return str(value)


# short headers for the summaries' columns, so the tables fit 80 columns
HEADERS = {
    "final_train_loss": "train loss",
    "best_train_loss": "best train",
    "final_val_loss": "val loss",
    "final_val_accuracy": "val acc",
    "best_val_accuracy": "best acc",
    "final_loss": "final loss",
    "best_loss": "best loss",
    "seconds": "s",
}
HIDDEN = ("examples",)  # in the saved table, not worth a column on a terminal


def _informative(frame: Any) -> Any:
    """The frame without columns that say nothing (all NaN), and with ``diverged`` and
    ``diverged_at`` merged into one column, dropped when nothing diverged."""
    keep = [
        c
        for c in frame.columns
        if c not in HIDDEN and not (frame[c].dtype.kind == "f" and frame[c].isna().all())
    ]
    frame = frame[keep]
    if "diverged" in frame.columns and "diverged_at" in frame.columns:
        diverged = [
            f"at {at:g}" if flag else ""
            for flag, at in zip(frame["diverged"], frame["diverged_at"], strict=True)
        ]
        frame = frame.drop(columns=["diverged_at"]).assign(diverged=diverged)
    if "diverged" in frame.columns and not any(frame["diverged"]):
        frame = frame.drop(columns=["diverged"])
    return frame


def table(frame: Any, title: str, rows: int = ROWS) -> Table:
    """A rich table of a summary frame's first ``rows`` rows, with a count of the rest."""
    frame = _informative(frame)
    shown = frame.head(rows)
    hidden = len(frame) - len(shown)
    caption = f"{hidden} more rows in the summary" if hidden > 0 else None
    out = Table(
        title=title,
        caption=caption,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        collapse_padding=True,
        pad_edge=False,
    )
    cells = [[_cell(v, str(c)) for v, c in zip(values, frame.columns, strict=True)]
             for values in shown.itertuples(index=False)]  # fmt: skip
    for index, column in enumerate(frame.columns):
        numeric = frame[column].dtype.kind in "iuf"
        header = HEADERS.get(str(column), str(column).replace("_", " "))
        widest = max([len(row[index]) for row in cells] + [len(w) for w in header.split()])
        out.add_column(
            header,
            min_width=None if index == 0 else widest,  # the label gives way first
            justify="right" if numeric else "left",
            no_wrap=index > 0 and not numeric,
            max_width=28 if index == 0 else None,
            overflow="fold" if index == 0 else "ellipsis",
        )
    for row in cells:
        out.add_row(*row)
    return out


def _point(*coordinates: Any) -> str:
    if any(math.isnan(float(c)) for c in coordinates):
        return "–"
    return "(" + ", ".join(f"{float(c):.3g}" for c in coordinates) + ")"


def race_view(frame: Any) -> Any:
    """A race summary with each start and end point in one column."""
    columns = [c for c in ("x", "y", "z") if f"start_{c}" in frame.columns]
    starts = zip(*(frame[f"start_{c}"] for c in columns), strict=True)
    ends = zip(*(frame[f"final_{c}"] for c in columns), strict=True)
    view = frame.drop(columns=[f"{w}_{c}" for w in ("start", "final") for c in columns])
    view = view.drop(columns=["start", "best_step"])
    view.insert(1, "start", [_point(*p) for p in starts])
    view.insert(2, "end", [_point(*p) for p in ends])
    # -1: never within tol of the lowest known value
    view["steps_to_tol"] = [None if n < 0 else int(n) for n in view["steps_to_tol"]]
    return view


def print_summary(console: Console, kind: str, result: Any) -> None:
    """Print the summary of a race, of `Sweeps` (one table per optimizer) or a training."""
    if kind == "race":
        console.print(table(race_view(result.summary()), f"race on {result.landscape.name}"))
    elif kind == "sweep":
        for sweep in result:  # Sweeps: one table per optimizer
            view = sweep.summary().drop(columns=["optimizer"])
            console.print(table(view, f"sweep of {sweep.spec} on {result.landscape.name}"))
    elif kind == "train":
        console.print(table(result.summary(), "training"))
    elif kind == "tune":
        for tuned in tuning_tables(result.summary()):
            console.print(tuned)


def tuning_tables(summary: Any) -> list[Table]:
    """One table per task of a tuning summary; the labels and settings wrap, the
    numbers never do, so every column fits a narrow terminal."""
    from rich.markup import escape

    tables = []
    for task, rows in summary.groupby("task", sort=False):
        title = f"{task}: final {rows.metric.iloc[0]}, median [q1, q3] over seeds"
        out = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD,
                    padding=(0, 1, 0, 0), pad_edge=False)  # fmt: skip
        out.add_column("optimizer", overflow="fold", min_width=10, ratio=2)
        out.add_column("setting", overflow="fold", min_width=10, ratio=2)
        out.add_column("final", no_wrap=True)
        for header in ("to target", "reached", "failed"):
            out.add_column(header, justify="right", no_wrap=True)
        for row in rows.itertuples(index=False):
            out.add_row(escape(row.optimizer), escape(row.setting), row.final,
                        row[5], row.reached, str(row.failed))  # fmt: skip
        tables.append(out)
    return tables
