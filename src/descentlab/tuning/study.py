"""The studies of one benchmark, on Optuna: for each task and search space a search study
(``budget`` trials) and then a seeds study (the best setting, once per seed).

Every trial is planned before any runs: the optimizer's defaults first, then a
scrambled Sobol sequence drawn from the benchmark's seed (AlgoPerf's quasi-random
search), each enqueued in Optuna's trial queue. Workers, in this process, in others or
on other machines, take trials from the queue until it is empty, so the trials and
their numbers are the same whatever the number of workers. With ``sampler="tpe"``
only the defaults are planned; Optuna's TPE proposes the rest as results come in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import StudyError
from ..train import Task
from .evaluation import as_attrs, better, evaluate
from .space import SearchSpace

POLL = 0.5  # seconds between looks at a queue others are still working through
SEARCH, SEEDS = "search", "seeds"


@dataclass(frozen=True)
class Job:
    """One task with one search space, and the benchmark they belong to."""

    benchmark: str
    task: Task
    space: SearchSpace

    def name(self, phase: str) -> str:
        """The Optuna study of this job's phase: ``<benchmark>/<task>/<space>/<phase>``."""
        return f"{self.benchmark}/{self.task.name}/{self.space.label}/{phase}"


@dataclass(frozen=True)
class Protocol:
    """How every job is tuned: trials per search, seeds per rerun, the seed of both."""

    budget: int
    seeds: int
    seed: int
    sampler: str

    def as_attrs(self, tasks: list[str], spaces: list[str]) -> dict[str, Any]:
        return {
            "tasks": tasks,
            "spaces": spaces,
            "budget": self.budget,
            "seeds": self.seeds,
            "seed": self.seed,
            "sampler": self.sampler,
        }


def join(storage: Any, shown: str, benchmark: str, protocol: Protocol, jobs: list[Job]) -> None:
    """Create the benchmark in ``storage``, or join it when it holds the same tasks,
    spaces and protocol (else a `StudyError`); plan every search."""
    tasks = list(dict.fromkeys(j.task.name for j in jobs))
    wanted = protocol.as_attrs(tasks, list(dict.fromkeys(j.space.label for j in jobs)))
    meta, created = _create(storage, benchmark, "minimize")
    if created:
        for key, value in wanted.items():
            meta.set_user_attr(key, value)
    else:
        held = {key: meta.user_attrs.get(key) for key in wanted}
        if held != wanted:
            differs = ", ".join(
                f"{k} {held[k]!r} (asked {wanted[k]!r})" for k in wanted if held[k] != wanted[k]
            )
            raise StudyError(
                shown,
                benchmark,
                f"it holds {differs}; use another --study name "
                "or the same tasks, optimizers and protocol",
            )
    for job in jobs:
        direction = "maximize" if job.task.maximize else "minimize"
        study, created = _create(storage, job.name(SEARCH), direction)
        if created:
            for params in plan(job.space, protocol):
                study.enqueue_trial(params, user_attrs={"seed": protocol.seed})
            study.set_user_attr("planned", True)


def plan(space: SearchSpace, protocol: Protocol) -> list[dict[str, Any]]:
    """The trials of one search: the defaults, then Sobol points (all of them for qmc)."""
    planned = [space.defaults()]
    count = protocol.budget - 1 if protocol.sampler == "qmc" else 0
    if count and space.dimensions:
        from scipy.stats import qmc

        sobol = qmc.Sobol(len(space.dimensions), scramble=True, seed=protocol.seed)
        points = sobol.random(1 << math.ceil(math.log2(count)))[:count]  # balanced: 2^m
        planned += [
            {d.name: d.value(float(u)) for d, u in zip(space.dimensions, point, strict=True)}
            for point in points
        ]
    return planned


def work(storage: Any, jobs: list[Job], protocol: Protocol, report: Callable[[], None]) -> None:
    """Run trials of every job until all searches and all seed reruns are done, taking
    them from the queues (others may be taking them too); ``report()`` after each."""
    import optuna

    searches = [optuna.load_study(study_name=j.name(SEARCH), storage=storage) for j in jobs]
    for job, study in zip(jobs, searches, strict=True):
        _wait_planned(study)
        _drain(study, job, report)
        if protocol.sampler == "tpe":
            _propose(study, job, protocol, report)
    for study in searches:
        _wait_finished(study)
    reruns = []
    for job, study in zip(jobs, searches, strict=True):
        reruns.append(_plan_seeds(storage, job, study, protocol))
    for job, rerun in zip(jobs, reruns, strict=True):
        if rerun is not None:
            _drain(rerun, job, report)
    for rerun in reruns:
        if rerun is not None:
            _wait_finished(rerun)


def best_trial(study: Any, maximize: bool) -> Any | None:
    """The search trial with the best metric (the earliest of equals), or None."""
    chosen = None
    for trial in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        if trial.values and (chosen is None or better(trial.values[0], chosen.values[0], maximize)):
            chosen = trial
    return chosen


def _create(storage: Any, name: str, direction: str) -> tuple[Any, bool]:
    """The study ``name``, and whether this call made it (creation is atomic)."""
    import optuna

    try:
        return optuna.create_study(storage=storage, study_name=name, direction=direction), True
    except optuna.exceptions.DuplicatedStudyError:
        return optuna.load_study(study_name=name, storage=storage), False


def _plan_seeds(storage: Any, job: Job, search: Any, protocol: Protocol) -> Any | None:
    """The seeds study of a finished search (planned by whoever gets there first)."""
    chosen = best_trial(search, job.task.maximize)
    if chosen is None:
        return None  # every trial failed: there is no setting to rerun
    direction = "maximize" if job.task.maximize else "minimize"
    study, created = _create(storage, job.name(SEEDS), direction)
    if created:
        for offset in range(protocol.seeds):
            study.enqueue_trial(
                chosen.params,
                user_attrs={"seed": protocol.seed + offset, "from_trial": chosen.number},
            )
        study.set_user_attr("planned", True)
    _wait_planned(study)
    return study


def _claim(study: Any) -> int | None:
    """Take a waiting trial from the queue (atomically: one worker gets each)."""
    import optuna

    storage = study._storage
    waiting = (optuna.trial.TrialState.WAITING,)
    for trial in storage.get_all_trials(study._study_id, deepcopy=False, states=waiting):
        try:
            if storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.RUNNING):
                return trial._trial_id
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


def _drain(study: Any, job: Job, report: Callable[[], None]) -> None:
    while (trial_id := _claim(study)) is not None:
        _run(study, trial_id, job)
        report()


def _propose(study: Any, job: Job, protocol: Protocol, report: Callable[[], None]) -> None:
    """TPE: ask Optuna for trials until the search holds ``budget`` of them."""
    import optuna

    study.sampler = optuna.samplers.TPESampler(seed=protocol.seed)
    while len(study.get_trials(deepcopy=False)) < protocol.budget:
        trial = study.ask()
        trial.set_user_attr("seed", protocol.seed)
        _run(study, trial._trial_id, job, trial)
        report()


def _run(study: Any, trial_id: int, job: Job, trial: Any = None) -> None:
    """Measure one trial and tell Optuna; a diverged run is a failed trial with its
    reason. Interrupted, the trial is failed and its setting queued again."""
    import optuna

    trial = trial or optuna.trial.Trial(study, trial_id)
    params = {d.name: _suggest(trial, d) for d in job.space.dimensions}
    seed = trial.user_attrs["seed"]
    try:
        outcome = evaluate(job.task, job.space.spec(params), seed)
    except KeyboardInterrupt:
        trial.set_user_attr("reason", "interrupted")
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        study.enqueue_trial(params, user_attrs=dict(trial.user_attrs, reason=""))
        raise
    for key, value in as_attrs(outcome).items():
        trial.set_user_attr(key, value)
    if outcome.failed:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, outcome.metric)


def _suggest(trial: Any, dimension: Any) -> Any:
    if dimension.scale == "choice":
        return trial.suggest_categorical(dimension.name, list(dimension.choices))
    return trial.suggest_float(
        dimension.name, dimension.low, dimension.high, log=dimension.scale == "log"
    )


def _wait_planned(study: Any) -> None:
    while not study.user_attrs.get("planned"):
        time.sleep(POLL)


def _wait_finished(study: Any) -> None:
    """Until no trial of ``study`` is waiting or running (others' included)."""
    import optuna

    open_states = (optuna.trial.TrialState.WAITING, optuna.trial.TrialState.RUNNING)
    while study.get_trials(deepcopy=False, states=open_states):
        time.sleep(POLL)
