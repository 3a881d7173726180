"""AlgoPerf's performance profile as numbers: every optimizer's ratio to the best on
each task, and rho(tau), the share of tasks within a ratio tau of the best."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def require(frame: pd.DataFrame, what: str, columns: Sequence[str]) -> None:
    """Refuse a frame without the ``columns`` a figure or a table needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} frame lacks the column(s) {', '.join(missing)}")


def first_value(rows: pd.DataFrame, column: str, default: object) -> object:
    """The first value of ``column`` that is not missing, else ``default``."""
    values = rows[column].dropna() if column in rows.columns else pd.Series([], dtype=object)
    return values.iloc[0] if len(values) else default


def metric_of(rows: pd.DataFrame) -> tuple[str, bool]:
    """The task's metric name and whether it is maximized."""
    return str(first_value(rows, "metric_name", "metric")), bool(
        first_value(rows, "maximize", False)
    )


def _cost(scores: np.ndarray, name: str, maximize: bool) -> np.ndarray:
    """Per optimizer, a cost where lower is better and 0 is perfect (see `profile`)."""
    finite = scores[np.isfinite(scores)]
    if not maximize:
        cost = scores
    elif "accuracy" in name.lower() and finite.size and finite.min() >= 0 and finite.max() <= 1:
        cost = 1 - scores
    else:
        with np.errstate(divide="ignore"):
            cost = 1 / scores
    if (cost[np.isfinite(cost)] < 0).any():
        raise ValueError(
            f"a performance profile needs scores of one sign; {name} has negative values"
        )
    return cost


def ratios(results: pd.DataFrame, column: str = "final_median") -> pd.DataFrame:
    """The performance ratio r of every optimizer (columns) on every task (rows), as
    defined in `profile`; inf where an optimizer has no finite score on a task."""
    require(results, "results", ["task", "optimizer", column])
    tasks = list(dict.fromkeys(results["task"]))
    labels = list(dict.fromkeys(results["optimizer"].astype(str)))
    table = pd.DataFrame(np.inf, index=pd.Index(tasks, name="task"), columns=labels)
    for task in tasks:
        rows = results[results["task"] == task]
        name, maximize = metric_of(rows)
        scores = rows[column].to_numpy(float)
        # examples to a target are a cost whatever the metric's direction
        cost = scores if column.startswith("examples") else _cost(scores, name, maximize)
        cost = np.where(np.isfinite(cost), cost, np.inf)
        best = cost.min() if cost.size else np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(cost == best, 1.0, cost / best)
        r = np.where(np.isfinite(cost), r, np.inf)
        for label, value in zip(rows["optimizer"].astype(str), r, strict=True):
            table.loc[task, label] = value
    return table


def profile(
    results: pd.DataFrame, column: str = "final_median", tau_max: float | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """AlgoPerf's performance profile rho(tau) of each optimizer.

    On each task every optimizer's score s (``results[column]``) becomes a cost c
    where lower is better: c = s for a minimized metric; c = 1 - s (the error) for a
    maximized metric whose name contains "accuracy" and whose scores on that task all
    lie in [0, 1]; c = 1 / s for any other maximized metric (so the ratio below is
    best / s). A column of examples seen (``examples_to_target_median``) is a cost as
    it stands, fewer being better on every task. The optimizer's ratio on the task is
    r = c / c_best, where c_best is the smallest cost of any optimizer on that task
    (r = 1 for the best, and for every optimizer tied with a best cost of 0; r = inf
    where the score is missing, or the optimizer did not run the task). rho(tau) is
    the fraction of all tasks with r <= tau.

    Returns, per optimizer, ``(taus, rho)``: the corners of the right-continuous step
    function from tau = 1 to ``tau_max`` (default: 1.1 x the largest finite ratio,
    at least 1.1), rho[i] holding from taus[i] to taus[i + 1]; draw with
    ``step(taus, rho, where="post")``.
    """
    table = ratios(results, column)
    finite = table.to_numpy(float)
    finite = finite[np.isfinite(finite)]
    if tau_max is None:
        tau_max = max(1.1 * float(finite.max()) if finite.size else 1.1, 1.1)
    count = len(table.index)
    curves = {}
    for label in table.columns:
        r = table[label].to_numpy(float)
        corners = np.unique(np.concatenate([[1.0], r[np.isfinite(r) & (r <= tau_max)]]))
        taus = np.concatenate([corners, [tau_max]])
        rho = np.array([np.sum(r <= tau) / count for tau in taus])
        curves[str(label)] = (taus, rho)
    return curves
