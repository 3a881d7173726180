"""Training results describe themselves: a short repr and a one-row-per-run summary,
both read from the recorded curves."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab.train import Task, Training

COLUMNS = [
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
]
AIRFOIL_SPECS = ["sgd(lr=0.05)", "adam(lr=0.01)", "sgd(lr=5)"]


@pytest.fixture(scope="module")
def airfoil() -> Task:
    return dl.tasks.airfoil()


@pytest.fixture(scope="module")
def airfoil_runs(airfoil: Task) -> Training:
    return dl.compare(airfoil, AIRFOIL_SPECS)


@pytest.fixture(scope="module")
def digits_run() -> dl.TrainingRun:
    return dl.fit("digits", "adam(lr=1e-3)", epochs=2, seed=1)


def _train_loss(task: Task, model: torch.nn.Module) -> float:
    features, target = task.train
    with torch.no_grad():
        return float(((model(features).squeeze(-1) - target) ** 2 / 2).mean())


def test_a_comparisons_summary_has_one_row_per_optimizer(
    airfoil: Task, airfoil_runs: Training
) -> None:
    summary = airfoil_runs.summary()
    assert list(summary.columns) == COLUMNS
    assert summary["optimizer"].tolist() == AIRFOIL_SPECS
    assert summary["examples"].dtype == np.int64 and summary["diverged"].dtype == bool
    calm = summary.iloc[:2]
    assert calm["epochs"].tolist() == [2.0, 2.0] and calm["examples"].tolist() == [3000, 3000]
    assert not calm["diverged"].any() and calm["diverged_at"].tolist() == [-1, -1]
    for row, run in zip(calm.itertuples(), airfoil_runs, strict=False):
        # the final loss is the returned model's loss on the whole training set
        assert row.final_train_loss == pytest.approx(_train_loss(airfoil, run.model), rel=1e-6)
        assert row.best_train_loss == run.curve["train_loss"].min() <= row.final_train_loss
        assert row.seconds == run.curve["seconds"].iloc[-1] > 0
    # the textbook's 2 epochs of batch 10 end near 0.243
    assert calm["final_train_loss"].between(0.24, 0.25).all()
    # airfoil has no validation data and is a regression: no validation columns
    assert summary[["final_val_loss", "final_val_accuracy", "best_val_accuracy"]].isna().all().all()


def test_a_diverged_run_is_summarised_up_to_where_it_stopped(airfoil_runs: Training) -> None:
    wild = airfoil_runs[2]
    row = airfoil_runs.summary().iloc[2]
    assert row["diverged"] and row["diverged_at"] == wild.diverged_at > 0
    assert row["examples"] == wild.diverged_at < 1500 and row["epochs"] == wild.diverged_at / 1500
    assert not np.isfinite(row["final_train_loss"])
    finite = wild.curve["train_loss"][np.isfinite(wild.curve["train_loss"])]
    assert row["best_train_loss"] == finite.min() and np.isfinite(row["best_train_loss"])


def test_a_classification_summary_reads_validation_loss_and_accuracy(
    digits_run: dl.TrainingRun,
) -> None:
    summary = digits_run.summary()
    assert list(summary.columns) == COLUMNS and len(summary) == 1
    row = summary.iloc[0]
    assert row["optimizer"] == "adam(lr=0.001)"
    assert row["epochs"] == 2.0 and row["examples"] == 2 * 1437
    # recompute the final validation figures from the trained model
    inputs, targets = dl.tasks.digits().validation
    model = digits_run.model.eval()
    with torch.no_grad():
        outputs = model(inputs)
    assert row["final_val_loss"] == pytest.approx(
        float(torch.nn.functional.cross_entropy(outputs, targets)), rel=1e-5
    )
    correct = int((outputs.argmax(dim=-1) == targets).sum())
    assert row["final_val_accuracy"] == pytest.approx(correct / 360)
    assert row["best_val_accuracy"] == digits_run.curve["val_accuracy"].max()
    assert row["best_val_accuracy"] >= row["final_val_accuracy"] > 0.8
    assert not row["diverged"] and row["diverged_at"] == -1


def test_a_summary_survives_saving_and_loading(airfoil_runs: Training, tmp_path: Path) -> None:
    back = Training.load(airfoil_runs.save(tmp_path / "curves.csv"))
    pd.testing.assert_frame_equal(back.summary(), airfoil_runs.summary(), rtol=1e-12)
    pd.testing.assert_frame_equal(
        airfoil_runs[1].summary(), airfoil_runs.summary().iloc[[1]].reset_index(drop=True)
    )


def test_a_comparisons_repr_lists_every_optimizer_and_marks_the_best(
    airfoil_runs: Training,
) -> None:
    text = repr(airfoil_runs)
    lines = text.splitlines()
    assert len(text) < 600 and len(lines) == 5
    assert lines[0] == "Training: airfoil, 3 optimizers, 2 epochs of batch 10, seed 0"
    finals = [run.final["train_loss"] for run in airfoil_runs]
    best = 0 if finals[0] < finals[1] else 1  # the third diverged
    for position, (line, run) in enumerate(zip(lines[1:4], airfoil_runs, strict=True)):
        assert line.split()[0 if position != best else 1] == run.label
        assert line.startswith("  * " if position == best else "    ")
    assert f"train loss {finals[best]:.4g}" in lines[1 + best]
    assert re.search(rf"sgd\(lr=5\) +diverged at {airfoil_runs[2].diverged_at} examples", text)
    assert lines[4] == "  (* lowest final train loss)"


def test_a_runs_repr_says_what_it_trained_and_how_it_ended(digits_run: dl.TrainingRun) -> None:
    text = repr(digits_run)
    final = digits_run.final
    assert text == (
        "TrainingRun: digits, adam(lr=0.001)\n"
        "  2 epochs of batch 32, seed 1\n"
        f"  final: train loss {final['train_loss']:.4g}, val loss {final['val_loss']:.4g}, "
        f"val accuracy {final['val_accuracy']:.1%}"
    )


def test_a_classification_comparison_is_ranked_by_validation_accuracy() -> None:
    result = dl.compare("digits", ["sgd(lr=0.001)", "adam(lr=1e-3)"], epochs=1)
    accuracy = [run.final["val_accuracy"] for run in result]
    assert accuracy[1] > accuracy[0]  # a tiny sgd step barely moves in one epoch
    lines = repr(result).splitlines()
    assert lines[2].startswith("  * adam(lr=0.001)") and lines[1].startswith("    sgd")
    assert f"val accuracy {accuracy[1]:.1%}" in lines[2]
    assert lines[-1] == "  (* highest final validation accuracy)"


def test_a_long_comparisons_repr_stays_short(airfoil: Task) -> None:
    specs = [f"sgd(lr={lr})" for lr in (0.001, 0.002, 0.005, 0.01, 0.02, 0.1, 0.05)]
    result = dl.compare(airfoil, specs, epochs=1, scheduler="step(step_size=1)")
    lines = repr(result).splitlines()
    assert len(repr(result)) < 600 and len(lines) == 1 + 6 + 2
    assert lines[0].endswith("1 epoch of batch 10, seed 0, scheduler step(step_size=1)")
    assert lines[7] == "    ... 1 more (see .summary())"
    # in one epoch on airfoil sgd(lr=0.05) gets lowest (measured), and it is not listed
    finals = [run.final["train_loss"] for run in result]
    assert int(np.argmin(finals)) == 6
    assert lines[8] == "  (best by lowest final train loss: sgd(lr=0.05))"
