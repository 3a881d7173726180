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
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import StudyError
from ..train import Task
from .evaluation import as_attrs, better, evaluate
from .space import SearchSpace

POLL = 0.5  # seconds between looks at a queue others are still working through
WORKER = f"{socket.gethostname()}:{os.getpid()}"  # who runs a trial, to spot dead ones
# a trial taken from the queue says who runs it within milliseconds; one that has not
# after this long was taken by a process killed in between, anywhere
UNCLAIMED_SECONDS = 30.0
SEARCH, SEEDS = "search", "seed"  # the phases: their study names and trials.csv's


@dataclass(frozen=True)
class Job:
    """One task with one search space, and the benchmark they belong to."""

    benchmark: str
    task: Task
    space: SearchSpace
    #: where its trials train; not part of the study's identity, so machines with and
    #: without a GPU may share one study
    device: str = "cpu"

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


def join(
    storage: Any, shown: str, benchmark: str, protocol: Protocol, jobs: list[Job], alone: bool
) -> None:
    """Create the benchmark in ``storage``, or join it when it holds the same tasks (the
    same data, model and settings), spaces and protocol, else a `StudyError`; plan every
    search. ``alone``: the storage is the output folder's own journal, for one study."""
    import optuna

    tasks = list(dict.fromkeys(j.task.name for j in jobs))
    wanted = protocol.as_attrs(tasks, list(dict.fromkeys(j.space.label for j in jobs)))
    distinct = {j.task.name: j.task for j in jobs}  # a task once, however many spaces
    wanted["fingerprints"] = {name: fingerprint(task) for name, task in distinct.items()}
    if alone:
        others = [s.study_name for s in optuna.get_all_study_summaries(storage)
                  if "/" not in s.study_name and s.study_name != benchmark]  # fmt: skip
        if others:
            raise StudyError(shown, benchmark, f"this folder holds study {others[0]!r}; write "
                             "another study into another --out folder")  # fmt: skip
    meta, created = _create(storage, benchmark, "minimize")
    if created:
        for key, value in wanted.items():
            meta.set_user_attr(key, value)
    else:
        held = {key: meta.user_attrs.get(key) for key in wanted}
        changed = [
            t for t in tasks if (held["fingerprints"] or {}).get(t) != wanted["fingerprints"][t]
        ]
        if held["tasks"] == wanted["tasks"] and changed:
            raise StudyError(shown, benchmark, f"task {changed[0]!r} is not the one it was "
                             "tuned on (its data, model or settings changed); use another "
                             "--study name or --out folder")  # fmt: skip
        if held != wanted:
            differs = ", ".join(
                f"{k} {held[k]!r} (asked {wanted[k]!r})"
                for k in wanted
                if held[k] != wanted[k] and k != "fingerprints"
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
            for index, params in enumerate(plan(job.space, protocol)):
                study.enqueue_trial(params, user_attrs={"seed": protocol.seed, "plan": index})
            study.set_user_attr("planned", True)


def fingerprint(task: Task) -> str:
    """A digest of what a task trains: its data, settings, loss and initial model."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    loss = getattr(task.loss, "__qualname__", type(task.loss).__qualname__)
    settings = (task.name, task.kind, task.epochs, task.batch_size, task.evaluate_every,
                task.metric, task.target, loss)  # fmt: skip
    digest.update(repr(settings).encode())
    for pair in (task.train, task.validation or ()):
        for tensor in pair:
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for value in task.model().state_dict().values():
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


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
        recover(study)
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
            attrs = {"seed": protocol.seed + offset, "plan": offset, "from_trial": chosen.number}
            study.enqueue_trial(chosen.params, user_attrs=attrs)
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
        trial.set_user_attr("plan", trial.number)
        _run(study, trial._trial_id, job, trial)
        report()


def _run(study: Any, trial_id: int, job: Job, trial: Any = None) -> None:
    """Measure one trial and tell Optuna; a diverged run is a failed trial with its
    reason. Interrupted, the trial is failed and its setting queued again."""
    import optuna

    trial = trial or optuna.trial.Trial(study, trial_id)
    trial.set_user_attr("worker", WORKER)
    params = {d.name: _suggest(trial, d) for d in job.space.dimensions}
    seed = trial.user_attrs["seed"]
    try:
        outcome = evaluate(job.task, job.space.spec(params), seed, job.device)
    except KeyboardInterrupt:
        _requeue(study, trial.number)
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
    """Until no trial of ``study`` is waiting or running (others' included); the trials
    of workers of this machine that died are queued again (see `recover`)."""
    import optuna

    open_states = (optuna.trial.TrialState.WAITING, optuna.trial.TrialState.RUNNING)
    while study.get_trials(deepcopy=False, states=open_states):
        if recover(study):
            return
        time.sleep(POLL)


def recover(study: Any) -> bool:
    """Fail as "interrupted", and queue again, every running trial whose worker was a
    process of this machine that no longer runs (killed, say), or that no worker claimed
    within `UNCLAIMED_SECONDS` (its process was killed as it took it); True if there
    were."""
    import optuna

    host, _ = WORKER.rsplit(":", 1)
    found = False
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker = trial.user_attrs.get("worker", "")
        where, _, pid = worker.rpartition(":")
        dead = where == host and pid.isdigit() and not _alive(int(pid))
        if dead or (not worker and _unclaimed(trial)):
            _requeue(study, trial.number)
            found = True
    return found


def _unclaimed(trial: Any) -> bool:
    """Whether a running trial has gone unclaimed for `UNCLAIMED_SECONDS`."""
    started = trial.datetime_start
    return started is not None and time.time() - started.timestamp() > UNCLAIMED_SECONDS


def _requeue(study: Any, number: int) -> None:
    """Fail a trial as interrupted and queue its setting again, same seed and plan."""
    import optuna

    frozen = study.get_trials(deepcopy=False)[number]
    study._storage.set_trial_user_attr(frozen._trial_id, "reason", "interrupted")
    try:
        study._storage.set_trial_state_values(frozen._trial_id, optuna.trial.TrialState.FAIL)
    except optuna.exceptions.UpdateFinishedTrialError:
        return  # finished meanwhile: nothing to run again
    params = frozen.params or frozen.system_attrs.get("fixed_params", {})
    attrs = {k: v for k, v in frozen.user_attrs.items() if k in ("seed", "plan", "from_trial")}
    study.enqueue_trial(params, user_attrs=attrs)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
