"""Checkpoints: resuming equals an uninterrupted run bit for bit; damaged, foreign and
mismatched checkpoints are one-line errors that leave every file as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab.train import CheckpointError, Task, TrainingRun
from descentlab.train.checkpoint import checkpoint_path

MEASURED = ["epoch", "examples", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"]


@pytest.fixture(scope="module")
def airfoil() -> Task:
    return dl.tasks.airfoil()


@pytest.fixture(scope="module")
def digits() -> Task:
    return dl.tasks.digits()


def _assert_identical(resumed: TrainingRun, straight: TrainingRun) -> None:
    pd.testing.assert_frame_equal(resumed.curve[MEASURED], straight.curve[MEASURED], rtol=0, atol=0)
    a, b = resumed.model.state_dict(), straight.model.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize(
    ("spec", "scheduler"),
    [
        ("momentum(lr=0.004, momentum=0.9)", "step(step_size=2, gamma=0.5)"),
        ("adam(lr=0.01)", "onecycle(max_lr=0.02, total_steps=750)"),
        ("torch.Adagrad(lr=0.1)", None),
        ("rmsprop(lr=0.01, alpha=0.9)", "cosine(T_max=5)"),
    ],
)
def test_resuming_airfoil_equals_training_straight_through(
    airfoil: Task, tmp_path: Path, spec: str, scheduler: str | None
) -> None:
    straight = dl.fit(airfoil, spec, epochs=5, scheduler=scheduler)
    first = dl.fit(airfoil, spec, epochs=2, scheduler=scheduler, checkpoint_dir=tmp_path)
    assert len(first.curve) == 31
    resumed = dl.fit(
        airfoil, spec, epochs=5, scheduler=scheduler, checkpoint_dir=tmp_path, resume=True
    )
    _assert_identical(resumed, straight)
    assert resumed.curve["seconds"].is_monotonic_increasing


def test_resuming_the_digits_cnn_twice_equals_training_straight_through(
    digits: Task, tmp_path: Path
) -> None:
    options = {"scheduler": "plateau(patience=0, factor=0.5)", "checkpoint_dir": tmp_path}
    straight = dl.fit(digits, "adam(lr=1e-3)", epochs=4, scheduler=options["scheduler"])
    dl.fit(digits, "adam(lr=1e-3)", epochs=1, **options)
    dl.fit(digits, "adam(lr=1e-3)", epochs=3, resume=True, **options)
    resumed = dl.fit(digits, "adam(lr=1e-3)", epochs=4, resume=True, **options)
    _assert_identical(resumed, straight)  # batch-norm running statistics included


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture
def saved(airfoil: Task, tmp_path: Path) -> Path:
    """A folder holding one good checkpoint (sgd, 1 epoch of airfoil)."""
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=1, checkpoint_dir=tmp_path)
    return checkpoint_path(tmp_path, "airfoil", "sgd(lr=0.05)", 0)


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00not a checkpoint" * 50)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "foreign":
        torch.save({"model": {}, "epoch": 1}, path)
    elif how == "pickled code":
        torch.save({"format": "descentlab-checkpoint", "hook": Path("x")}, path)
    elif how == "old version":
        contents = torch.load(path, weights_only=True)
        torch.save({**contents, "version": 99}, path)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", r"is damaged or not a checkpoint .*delete it to start again"),
        ("garbage", r"is damaged or not a checkpoint"),
        ("empty", r"is damaged or not a checkpoint"),
        ("foreign", r"is not a descentlab checkpoint"),
        ("pickled code", r"is damaged or not a checkpoint"),
        ("old version", r"has format version 99; this descentlab reads version 1"),
    ],
)
def test_a_damaged_checkpoint_is_refused_and_nothing_changes(
    airfoil: Task, saved: Path, how: str, message: str
) -> None:
    _damage(saved, how)
    before = _snapshot(saved.parent)
    with pytest.raises(CheckpointError, match=message) as error:
        dl.fit(airfoil, "sgd(lr=0.05)", epochs=3, checkpoint_dir=saved.parent, resume=True)
    assert "\n" not in str(error.value)
    assert _snapshot(saved.parent) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"batch_size": 20}, r"was written with batch_size=10, not 20"),
        ({"scheduler": "step(step_size=1)"}, r"was written with scheduler=None"),
        ({"dtype": torch.float64}, r"was written with dtype='torch.float32'"),
        ({"epochs": 1, "task_rows": 1000}, r"was written with examples=1500, not 1000"),
        ({"epochs": 0.5}, r"epochs must be a whole number"),
    ],
)
def test_a_mismatched_checkpoint_is_refused_and_nothing_changes(
    saved: Path, change: dict, message: str
) -> None:
    change = dict(change)
    task = dl.tasks.airfoil(rows=change.pop("task_rows", 1500))
    options = {"epochs": 3, **change}
    before = _snapshot(saved.parent)
    with pytest.raises((CheckpointError, ValueError), match=message):
        dl.fit(task, "sgd(lr=0.05)", checkpoint_dir=saved.parent, resume=True, **options)
    assert _snapshot(saved.parent) == before


def test_a_schedule_fitted_to_the_first_runs_length_cannot_be_stretched(
    airfoil: Task, tmp_path: Path
) -> None:
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=2, scheduler="cosine", checkpoint_dir=tmp_path)
    before = _snapshot(tmp_path)
    with pytest.raises(CheckpointError, match=r"fitted to its run's length .*T_max"):
        dl.fit(airfoil, "sgd(lr=0.05)", 4, scheduler="cosine", checkpoint_dir=tmp_path, resume=True)
    assert _snapshot(tmp_path) == before


def test_a_checkpoint_for_another_model_is_refused(airfoil: Task, saved: Path) -> None:
    wider = Task(
        name="airfoil",
        train=airfoil.train,
        model=lambda: torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Linear(4, 1)),
        loss=airfoil.loss,
        batch_size=10,
    )
    before = _snapshot(saved.parent)
    with pytest.raises(CheckpointError, match=r"does not fit this run \(.*state_dict"):
        dl.fit(wider, "sgd(lr=0.05)", epochs=3, checkpoint_dir=saved.parent, resume=True)
    assert _snapshot(saved.parent) == before


def test_resuming_needs_a_checkpoint_and_a_run_long_enough(
    airfoil: Task, saved: Path, tmp_path: Path
) -> None:
    folder = saved.parent
    with pytest.raises(CheckpointError) as error:
        dl.fit(airfoil, "adam(lr=0.01)", checkpoint_dir=folder, resume=True)
    assert str(error.value) == (
        f"no checkpoint to resume from: {str(folder)!r} holds none of "
        "airfoil-adam-lr-0.01-seed0.pt; run without resume to start"
    )
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=3, checkpoint_dir=saved.parent)
    before = _snapshot(saved.parent)
    with pytest.raises(CheckpointError, match=r"is at epoch 3, beyond epochs=2"):
        dl.fit(airfoil, "sgd(lr=0.05)", epochs=2, checkpoint_dir=saved.parent, resume=True)
    assert _snapshot(saved.parent) == before


def test_checkpoints_are_written_whole(airfoil: Task, tmp_path: Path) -> None:
    dl.fit(airfoil, "adam(lr=0.01)", epochs=2, checkpoint_dir=tmp_path, seed=4)
    assert [p.name for p in tmp_path.iterdir()] == ["airfoil-adam-lr-0.01-seed4.pt"]
    contents = torch.load(next(tmp_path.iterdir()), weights_only=True)
    assert contents["epoch"] == 2 and contents["examples"] == 3000
    assert set(contents) >= {"model", "optimizer", "scheduler", "rng", "curve", "config"}
