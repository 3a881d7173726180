"""A benchmark's studies read back as tables: every trial, every seed rerun with its
curve, and one row per task and optimizer (median and quartiles over seeds)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .study import SEARCH, SEEDS, Job

TRIAL_COLUMNS = [
    "task",
    "optimizer",
    "phase",
    "trial",
    "seed",
    "state",
    "reason",
    "metric",
    "metric_name",
    "maximize",
    "seconds",
]


def read(storage: Any, jobs: list[Job]) -> dict[str, pd.DataFrame]:
    """``trials``, ``seeds``, ``curves`` and ``results`` of every job (see `tune.figures`
    for what each column means)."""
    import optuna

    trials, seeds, curves = [], [], []
    names = {study.study_name for study in optuna.get_all_study_summaries(storage)}
    for job in jobs:
        for phase in (SEARCH, SEEDS):
            if job.name(phase) not in names:
                continue
            study = optuna.load_study(study_name=job.name(phase), storage=storage)
            kept = [
                t
                for t in study.get_trials(deepcopy=False)
                if t.state.name not in ("WAITING", "RUNNING")
                and t.user_attrs.get("reason") != "interrupted"  # queued again, run to the end
            ]
            for trial in sorted(kept, key=lambda t: t.user_attrs.get("plan", t.number)):
                row = _trial_row(job, phase, trial)
                trials.append(row)
                if phase == SEEDS and trial.state.name == "COMPLETE":
                    seeds.append(_seed_row(job, trial))
                    curves += [
                        {
                            "task": job.task.name,
                            "optimizer": job.space.label,
                            "seed": row["seed"],
                            "examples": e,
                            "value": v,
                            "metric_name": job.task.metric,
                        }
                        for e, v in trial.user_attrs.get("outcome", {}).get("curve", [])
                    ]
    trials_frame = _frame(trials, TRIAL_COLUMNS)
    seeds_frame = _frame(
        seeds,
        [
            "task",
            "optimizer",
            "seed",
            "final",
            "best",
            "examples_to_target",
            "metric_name",
            "maximize",
        ],
    )
    return {
        "trials": trials_frame,
        "seeds": seeds_frame,
        "curves": _frame(curves, ["task", "optimizer", "seed", "examples", "value", "metric_name"]),
        "results": summarise(jobs, trials_frame, seeds_frame),
    }


def summarise(jobs: list[Job], trials: pd.DataFrame, seeds: pd.DataFrame) -> pd.DataFrame:
    """One row per task and optimizer: the setting chosen, median and quartiles over
    seeds of the final and the best metric, and the median examples to the target."""
    rows = []
    for job in jobs:
        mine = seeds[(seeds.task == job.task.name) & (seeds.optimizer == job.space.label)]
        chosen = trials[
            (trials.task == job.task.name)
            & (trials.optimizer == job.space.label)
            & (trials.phase == SEEDS)
        ]
        row: dict[str, Any] = {
            "task": job.task.name,
            "optimizer": job.space.label,
            "metric_name": job.task.metric,
            "maximize": job.task.maximize,
        }
        for column in [c for c in trials.columns if c.startswith("hp_")]:
            values = chosen[column].dropna()
            row[column] = float(values.iloc[0]) if len(values) else math.nan
        for measure in ("final", "best"):
            values = mine[measure].to_numpy(dtype=float)
            q1, median, q3 = (
                np.quantile(values, [0.25, 0.5, 0.75]) if len(values) else [math.nan] * 3
            )
            row |= {f"{measure}_median": median, f"{measure}_q1": q1, f"{measure}_q3": q3}
        reached = mine["examples_to_target"].dropna()
        row["examples_to_target_median"] = float(reached.median()) if len(reached) else math.nan
        row["reached"] = len(reached)
        row["seeds"] = len(mine)
        failed = trials[
            (trials.task == job.task.name)
            & (trials.optimizer == job.space.label)
            & (trials.phase == SEARCH)
            & (trials.state == "FAIL")
        ]
        row["failed_trials"] = len(failed)
        rows.append(row)
    return pd.DataFrame(rows)


def _trial_row(job: Job, phase: str, trial: Any) -> dict[str, Any]:
    attrs = trial.user_attrs
    row = {
        "task": job.task.name,
        "optimizer": job.space.label,
        "phase": phase,
        "trial": trial.user_attrs.get("plan", trial.number),
        "seed": attrs.get("seed"),
        "state": trial.state.name,
        "reason": attrs.get("reason", ""),
        "metric": trial.values[0] if trial.values else math.nan,
        "metric_name": job.task.metric,
        "maximize": job.task.maximize,
        "seconds": attrs.get("outcome", {}).get("seconds", math.nan),
    }
    for name, value in trial.params.items():
        row[f"hp_{name}"] = value
    return row


def _seed_row(job: Job, trial: Any) -> dict[str, Any]:
    attrs = trial.user_attrs
    outcome = attrs.get("outcome", {})
    reached = outcome.get("examples_to_target")
    return {
        "task": job.task.name,
        "optimizer": job.space.label,
        "seed": attrs["seed"],
        "final": trial.values[0],
        "best": outcome.get("best", math.nan),
        "examples_to_target": math.nan if reached is None else reached,
        "metric_name": job.task.metric,
        "maximize": job.task.maximize,
    }


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = pd.Series(dtype=object)
    extra = sorted(c for c in frame.columns if c not in columns)
    return frame[columns + extra]
