"""dl.tune: the protocol (defaults first, a seeded plan, the best rerun over seeds), its
numbers against plain `fit`, resuming, workers, and refusals."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import descentlab as dl
from descentlab.errors import StudyError
from descentlab.train import Task


def line_task(interrupt_at: Path | None = None) -> Task:
    """A small regression task; with ``interrupt_at``, the first loss computed after that
    file appears raises KeyboardInterrupt once (as Ctrl-C would)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(64, generator=generator)

    def loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if interrupt_at is not None and interrupt_at.exists():
            interrupt_at.unlink()
            raise KeyboardInterrupt
        return ((out.squeeze(-1) - target) ** 2).mean()

    return Task(name="line", train=(x, y), model=lambda: nn.Linear(3, 1), loss=loss,
                epochs=3, batch_size=16, target=0.05)  # fmt: skip


def final_loss(task: Task, spec: str, seed: int) -> float:
    return float(dl.fit(task, spec, seed=seed).curve["train_loss"].iloc[-1])


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> dl.Tuning:
    folder = tmp_path_factory.mktemp("tuned")
    return dl.tune(line_task(), ["sgd", "adam"], budget=5, seeds=3, seed=7, folder=folder)


def test_each_optimizer_gets_its_budget_defaults_first(tuned):
    search = tuned.trials[tuned.trials.phase == "search"]
    for name, default in (("sgd", 1e-3), ("adam", 1e-3)):
        mine = search[search.optimizer == name].sort_values("trial")
        assert len(mine) == 5 and mine.hp_lr.iloc[0] == default
        assert (mine.seed == 7).all()
        assert mine.hp_lr.between(1e-5, 1e2).all() and mine.hp_lr.nunique() == 5


def test_every_metric_is_what_fit_measures(tuned):
    task = line_task()
    for _, row in tuned.trials[tuned.trials.state == "COMPLETE"].head(6).iterrows():
        spec = f"{row.optimizer}(lr={float(row.hp_lr)!r})"
        assert row.metric == pytest.approx(final_loss(task, spec, int(row.seed)), rel=1e-6)


def test_the_best_setting_is_rerun_over_the_seeds(tuned):
    for name in ("sgd", "adam"):
        search = tuned.trials[(tuned.trials.phase == "search") & (tuned.trials.optimizer == name)]
        best = search.loc[search.metric.idxmin()]
        seeds = tuned.seeds[tuned.seeds.optimizer == name].sort_values("seed")
        assert list(seeds.seed) == [7, 8, 9]
        spec = f"{name}(lr={float(best.hp_lr)!r})"
        expected = [final_loss(line_task(), spec, s) for s in (7, 8, 9)]
        np.testing.assert_allclose(seeds.final, expected, rtol=1e-6)
        row = tuned.results[tuned.results.optimizer == name].iloc[0]
        assert row.hp_lr == best.hp_lr
        assert row.final_median == pytest.approx(np.median(expected))
        assert row.final_q1 == pytest.approx(np.quantile(expected, 0.25))


def test_a_diverging_trial_is_failed_with_its_reason(tuned):
    failed = tuned.trials[tuned.trials.state == "FAIL"]
    assert len(failed) >= 1  # lr near 1e2 on a least-squares problem
    assert failed.reason.str.startswith("diverged after").all() and failed.metric.isna().all()
    assert (failed.hp_lr > 0.1).all()


def test_the_same_call_resumes_without_repeating(tmp_path):
    first = dl.tune(line_task(), ["sgd"], budget=4, seeds=2, folder=tmp_path)
    again = dl.tune(line_task(), ["sgd"], budget=4, seeds=2, folder=tmp_path)
    assert len(again.trials) == len(first.trials) == 6
    assert again.trials.metric.equals(first.trials.metric)
    with pytest.raises(StudyError, match=r"it holds spaces \['sgd'\] \(asked \['adam'\]\)"):
        dl.tune(line_task(), ["adam"], budget=4, seeds=2, folder=tmp_path)


def test_an_interrupted_study_resumes_to_the_same_results(tmp_path):
    whole = dl.tune(line_task(), ["sgd"], budget=4, seeds=2, folder=tmp_path / "whole")
    flag = tmp_path / "interrupt"
    task = line_task(interrupt_at=flag)
    flag.touch()
    with pytest.raises(KeyboardInterrupt):
        dl.tune(task, ["sgd"], budget=4, seeds=2, folder=tmp_path / "cut")
    resumed = dl.tune(task, ["sgd"], budget=4, seeds=2, folder=tmp_path / "cut")
    same = ["optimizer", "phase", "trial", "seed", "state", "metric", "hp_lr"]
    pd.testing.assert_frame_equal(resumed.trials[same], whole.trials[same])
    pd.testing.assert_frame_equal(resumed.results, whole.results)


def test_a_killed_worker_does_not_stall_the_study(tmp_path):
    """SIGKILL (no chance to clean up) while trials run: the same call finishes the
    study, running again the trial the dead process held."""
    import optuna

    folder = tmp_path / "killed"
    command = [sys.executable, "-m", "descentlab", "tune", "airfoil", "-o", "sgd",
               "--budget", "12", "--seeds", "2", "--out", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = folder / "study.journal"
    storage = None
    for _ in range(600):  # until a few trials are done, then kill it mid-study
        if journal.exists():
            storage = storage or optuna.storages.journal.JournalStorage(
                optuna.storages.journal.JournalFileBackend(str(journal))
            )
            try:
                study = optuna.load_study(study_name="descentlab/airfoil/sgd/search",
                                          storage=storage)  # fmt: skip
                if len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) >= 3:
                    break
            except KeyError:
                pass
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = dl.tune("airfoil", ["sgd"], budget=12, seeds=2, folder=folder)
    reference = dl.tune("airfoil", ["sgd"], budget=12, seeds=2, folder=tmp_path / "whole")
    same = ["optimizer", "phase", "trial", "seed", "state", "metric", "hp_lr"]
    pd.testing.assert_frame_equal(finished.trials[same], reference.trials[same])


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_share_the_journal_and_change_nothing(tmp_path, workers):
    one = dl.tune("airfoil", ["sgd", "adam"], budget=4, seeds=2, folder=tmp_path / "one")
    many = dl.tune(
        "airfoil", ["sgd", "adam"], budget=4, seeds=2, workers=workers, folder=tmp_path / "many"
    )
    key = ["optimizer", "phase", "trial"]
    a, b = (t.trials.sort_values(key).reset_index(drop=True) for t in (one, many))
    columns = [*key, "hp_lr", "state", "seed"]
    assert a[columns].equals(b[columns])
    np.testing.assert_array_equal(a.metric.to_numpy(), b.metric.to_numpy())
    assert len(b) == 2 * (4 + 2)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"budget": 0}, ValueError, "budget must be a whole number >= 1, got 0"),
        ({"tasks": "airfoyl"}, ValueError, "unknown task 'airfoyl' (did you mean 'airfoil'?)"),
        ({"specs": ["adam(beta=log(0.1, 1))"]}, ValueError, "adam has no hyperparameter 'beta'"),
        ({"sampler": "random"}, ValueError, "sampler must be 'qmc' or 'tpe', got 'random'"),
        ({"storage": "postgres//nowhere"}, StudyError, "the storage must be an address such as"),
        ({"storage": "postgresql://nobody@127.0.0.1:9/none"}, StudyError, "cannot open it:"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line(tmp_path, kwargs, error, message):
    arguments = {"tasks": "airfoil", "specs": ["sgd"], "budget": 2, "seeds": 1, **kwargs}
    with pytest.raises(error) as caught:
        dl.tune(arguments.pop("tasks"), arguments.pop("specs"), folder=tmp_path, **arguments)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_tpe_proposes_the_rest_after_the_defaults(tmp_path):
    first, again = (
        dl.tune(line_task(), ["sgd"], budget=6, seeds=2, sampler="tpe", folder=tmp_path / name)
        for name in ("a", "b")
    )
    search = first.trials[first.trials.phase == "search"].sort_values("trial")
    assert len(search) == 6 and search.hp_lr.iloc[0] == 1e-3
    assert search.hp_lr.between(1e-5, 1e2).all() and search.hp_lr.nunique() == 6
    assert again.trials.hp_lr.tolist() == first.trials.hp_lr.tolist()  # seeded, one worker
    assert len(first.seeds) == 2


def test_a_trial_held_by_a_dead_process_of_this_machine_is_queued_again(tmp_path):
    import optuna

    from descentlab.tuning.study import WORKER, recover

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs
    host = WORKER.rsplit(":", 1)[0]
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    study.enqueue_trial({"lr": 0.1}, user_attrs={"seed": 3, "plan": 7})
    trial = study.ask()  # takes it from the queue: RUNNING
    trial.suggest_float("lr", 1e-5, 1e2, log=True)
    trial.set_user_attr("worker", f"{host}:{gone.pid}")
    alive = study.ask()
    alive.set_user_attr("worker", WORKER)  # this process: left alone
    assert recover(study)
    states = [t.state.name for t in study.get_trials()]
    assert states == ["FAIL", "RUNNING", "WAITING"]
    again = study.get_trials()[2]
    assert again.system_attrs["fixed_params"] == {"lr": 0.1}
    assert again.user_attrs == {"seed": 3, "plan": 7}
    assert study.get_trials()[0].user_attrs["reason"] == "interrupted"
    assert not recover(study)


def test_a_trial_taken_by_a_process_killed_before_it_said_so_is_queued_again(monkeypatch):
    import optuna

    from descentlab.tuning import study as study_module

    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    study.enqueue_trial({"lr": 0.1}, user_attrs={"seed": 3, "plan": 4})
    study.ask()  # RUNNING, and its process killed before it set "worker"
    assert not study_module.recover(study)  # just taken: its worker may still say so
    monkeypatch.setattr(study_module, "UNCLAIMED_SECONDS", -1.0)
    assert study_module.recover(study)
    assert [t.state.name for t in study.get_trials()] == ["FAIL", "WAITING"]
    assert study.get_trials()[1].user_attrs == {"seed": 3, "plan": 4}


def test_a_study_refuses_what_would_mix_two_benchmarks(tmp_path):
    dl.tune(line_task(), ["sgd"], budget=2, seeds=1, folder=tmp_path)
    changed = Task(name="line", train=(torch.ones(8, 3), torch.ones(8)),
                   model=lambda: nn.Linear(3, 1), loss=line_task().loss, epochs=3,
                   batch_size=16, target=0.05)  # fmt: skip
    with pytest.raises(StudyError, match="task 'line' is not the one it was tuned on"):
        dl.tune(changed, ["sgd"], budget=2, seeds=1, folder=tmp_path)
    with pytest.raises(StudyError, match="this folder holds study 'descentlab'; write another"):
        dl.tune(line_task(), ["sgd"], budget=2, seeds=1, folder=tmp_path, study_name="other")
    with pytest.raises(ValueError, match=r"each task must differ; \['airfoil', 'airfoil'\]"):
        dl.tune(["airfoil", "airfoil"], ["sgd"], folder=tmp_path / "x")
    with pytest.raises(ValueError, match=r"search spaces 'sgd' and 'sgd.*search the same"):
        dl.tune("airfoil", ["sgd", "sgd(lr=log(1e-5, 1e2))"], folder=tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_the_default_trial_stays_inside_the_range_asked_for(tmp_path):
    tuned = dl.tune(line_task(), ["sgd(lr=choice(0.1, 0.01))", "sgd(lr=log(0.01, 1))"],
                    budget=3, seeds=1, folder=tmp_path)  # fmt: skip
    first = tuned.trials[(tuned.trials.phase == "search") & (tuned.trials.trial == 0)]
    assert first.set_index("optimizer").hp_lr.to_dict() == {
        "sgd(lr=choice(0.1,0.01))": 0.1,  # sgd's default 1e-3 is not a choice: the first
        "sgd(lr=log(0.01,1))": 0.01,  # below the range: its nearest end
    }
