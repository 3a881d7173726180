"""`tune`: a fair comparison of optimizers, each tuned with the same budget and rerun
over the same seeds, on one or many tasks (DeepOBS's protocol, AlgoPerf's search)."""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import checks, progress
from ..errors import StudyError
from ..progress import OnProgress
from ..train import Task
from ..train.tasks import get
from . import results, study
from .space import parse_space
from .storage import open_storage, shown
from .study import Job, Protocol

SAMPLERS = ("qmc", "tpe")


@dataclass
class Tuning:
    """What a benchmark found: its tables (see `results.read`) and how it was run."""

    trials: pd.DataFrame
    seeds: pd.DataFrame
    curves: pd.DataFrame
    results: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)

    def save(self, folder: str | Path, command: str = "") -> list[Path]:
        """Write the tables, the figures and report.html into ``folder``."""
        from ..provenance import versions
        from .report import write_report

        machine = {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "python": platform.python_version(),
        }
        return write_report(
            Path(folder),
            self.trials,
            self.seeds,
            self.curves,
            self.results,
            command or self.call(),
            versions(),
            machine,
        )

    def call(self) -> str:
        """The Python call that runs (and resumes) this study."""
        o = self.options
        return (f"dl.tune({o.get('tasks')!r}, {o.get('specs')!r}, budget={o.get('budget')}, "
                f"seeds={o.get('seeds')}, seed={o.get('seed')}, sampler={o.get('sampler')!r}, "
                f"workers={o.get('workers')}, study_name={o.get('study')!r})")  # fmt: skip

    def summary(self) -> pd.DataFrame:
        """One row per task and optimizer, to read: the setting chosen, the final metric
        as "median [q1, q3]" over seeds, the median examples seen when the target was
        first reached, and the failed search trials. `results` holds the numbers."""
        rows = []
        for _, row in self.results.iterrows():
            setting = ", ".join(
                f"{column[3:]}={row[column]:.3g}"
                for column in self.results.columns
                if column.startswith("hp_") and pd.notna(row[column])
            )  # fmt: skip
            reached = row["examples_to_target_median"]
            rows.append({
                "task": row["task"],
                "optimizer": row["optimizer"],
                "setting": setting or "defaults",
                "metric": row["metric_name"],
                "final": f"{row.final_median:.4g} [{row.final_q1:.4g}, {row.final_q3:.4g}]",
                "to target": "-" if pd.isna(reached) else f"{reached:,.0f}",
                "reached": f"{row.reached}/{row.seeds}",
                "failed": int(row.failed_trials),
            })  # fmt: skip
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        head = (f"Tuning: {self.options.get('budget')} trials and {self.options.get('seeds')} "
                f"seeds for each of {len(self.results)} task x optimizer pairs")  # fmt: skip
        return head + "\n" + self.summary().to_string(index=False)


def tune(
    tasks: str | Task | Sequence[str | Task],
    specs: str | Sequence[str],
    budget: int = 20,
    seeds: int = 5,
    *,
    seed: int = 0,
    workers: int = 1,
    storage: str | None = None,
    study_name: str = "descentlab",
    sampler: str = "qmc",
    folder: str | Path = "tuning",
    device: str = "cpu",
    on_progress: OnProgress | None = None,
) -> Tuning:
    """Tune every search space on every task with ``budget`` trials, rerun each best
    setting over ``seeds`` seeds, and return the tables.

    ``specs`` are search spaces such as ``"adam"`` (lr on a log scale over 1e-5..1e2)
    or ``"sgd(lr=log(1e-3, 1), momentum=uniform(0, 0.99))"``; the optimizer's defaults
    are always the first trial. The study is kept in ``storage`` (default: a journal
    file in ``folder``): the same call resumes it, and ``workers`` processes, or the same
    call on other machines with the same ``storage`` and ``study_name``, share it. The
    trials and their results are the same whatever the number of workers with the
    default ``sampler="qmc"``; "tpe" adapts to results as they come, so its trials
    depend on their order. ``device`` is where this call's trials train ("cpu", "cuda",
    "mps"; the workers it starts use it too).
    """
    jobs, protocol = _jobs(tasks, specs, budget, seeds, seed, sampler, study_name, device)
    workers = checks.whole_number("workers", workers, low=1)
    folder = Path(folder)
    place = shown(storage, folder)
    plans = _portable(jobs, place) if workers > 1 else []
    optuna_storage = open_storage(storage, folder, study_name)
    _quiet_optuna()
    study.join(optuna_storage, place, study_name, protocol, jobs, alone=storage is None)
    total = len(jobs) * (budget + seeds)
    report = _reporter(optuna_storage, jobs, total, progress.resolve(on_progress))
    helpers = [_start(storage, folder, study_name, plans, protocol) for _ in range(workers - 1)]
    try:
        study.work(optuna_storage, jobs, protocol, report)
    finally:
        for helper in helpers:
            helper.join()
    failed = [h.exitcode for h in helpers if h.exitcode]
    if failed:
        raise RuntimeError(f"{len(failed)} worker process(es) failed (exit {failed[0]})")
    options = {
        "tasks": list(dict.fromkeys(job.task.name for job in jobs)),
        "specs": list(dict.fromkeys(job.space.text for job in jobs)),
        "budget": budget,
        "seeds": seeds,
        "seed": seed,
        "sampler": sampler,
        "workers": workers,
        "storage": place,
        "study": study_name,
    }
    return Tuning(**results.read(optuna_storage, jobs), options=options)


def _jobs(
    tasks: Any,
    specs: Any,
    budget: int,
    seeds: int,
    seed: int,
    sampler: str,
    name: str,
    device: Any = "cpu",
) -> tuple[list[Job], Protocol]:
    """Every argument checked, before any study is touched."""
    budget = checks.whole_number("budget", budget, low=1)
    seeds = checks.whole_number("seeds", seeds, low=1)
    seed = checks.seed(seed)
    checks.one_of("sampler", sampler, SAMPLERS)
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise ValueError(f"a study name is a word such as 'descentlab', got {name!r}")
    task_list = [tasks] if isinstance(tasks, str | Task) else list(tasks)
    spec_list = [specs] if isinstance(specs, str) else list(specs)
    if not task_list or not spec_list:
        raise ValueError("tune needs at least one task and one optimizer")
    loaded = [get(task) for task in task_list]
    names = [task.name for task in loaded]
    if len(set(names)) != len(names):
        raise ValueError(f"each task must differ; {names} repeats one")
    spaces = [parse_space(text) for text in spec_list]
    same = [(a.label, b.label) for i, a in enumerate(spaces) for b in spaces[i + 1 :]
            if a.same_search(b)]  # fmt: skip
    if same:
        raise ValueError(f"search spaces {same[0][0]!r} and {same[0][1]!r} search the same")
    place = str(checks.device(device))
    jobs = [Job(name, task, space, place) for task in loaded for space in spaces]
    return jobs, Protocol(budget, seeds, seed, sampler)


def _reporter(storage: Any, jobs: list[Job], total: int, on_progress: OnProgress | None) -> Any:
    """After each trial: ``on_progress("tune: <task> <best so far of each optimizer>",
    done, total)``, for the task being tuned."""
    import optuna

    def report() -> None:
        if on_progress is None:
            return
        done, bests, current = 0, {}, None
        for job in jobs:
            for phase in (study.SEARCH, study.SEEDS):
                try:
                    found = optuna.load_study(study_name=job.name(phase), storage=storage)
                except KeyError:
                    continue
                trials = found.get_trials(deepcopy=False)
                done += sum(t.state.is_finished() and t.user_attrs.get("reason") != "interrupted"
                            for t in trials)  # fmt: skip
                if current is None and any(not t.state.is_finished() for t in trials):
                    current = job.task.name
                best = study.best_trial(found, job.task.maximize) if phase == study.SEARCH else None
                if best is not None:
                    bests.setdefault(job.task.name, []).append(f"{_short(job.space.label)} "
                                                               f"{best.values[0]:.4g}")  # fmt: skip
        task = current or jobs[-1].task.name
        detail = ", ".join(bests.get(task, []))
        on_progress(f"tune: {task} {detail}".rstrip(), min(done, total), total)

    return report


def _short(label: str, width: int = 14) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


# (benchmark, task name or Task, space text, device)
Portable = list[tuple[str, str | Task, str, str]]


def _portable(jobs: list[Job], place: str) -> Portable:
    """The jobs as a worker process rebuilds them: built-in tasks by name."""
    from ..train import tasks

    plans: Portable = []
    for job in jobs:
        task: str | Task = job.task.name if job.task.name in tasks.available() else job.task
        plans.append((job.benchmark, task, job.space.text, job.device))
    try:
        pickle.dumps(plans)
    except (pickle.PicklingError, AttributeError, TypeError):
        raise StudyError(
            place,
            jobs[0].benchmark,
            "several workers need tasks they can rebuild: "
            "give built-in tasks by name, or workers=1",
        ) from None
    return plans


def _start(
    storage: str | None, folder: Path, name: str, plans: Portable, protocol: Protocol
) -> Any:
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_worker, args=(storage, str(folder), name, plans, protocol))
    process.start()
    return process


def _worker(
    storage: str | None, folder: str, name: str, plans: Portable, protocol: Protocol
) -> None:
    """A worker process: the same jobs, queues and storage."""
    _quiet_optuna()
    jobs = [
        Job(benchmark, get(task), parse_space(text), device)
        for benchmark, task, text, device in plans
    ]
    # interrupted, its trial is back in the queue; the main process reports it
    with contextlib.suppress(KeyboardInterrupt):
        study.work(open_storage(storage, Path(folder), name), jobs, protocol, lambda: None)


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
