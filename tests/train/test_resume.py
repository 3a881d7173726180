"""Resuming a comparison: an interrupted one is finished bit for bit, finished runs are
loaded without training, runs that never began start, and a folder holding none of the
runs' checkpoints is an error."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab.train import CheckpointError, Task, Training
from descentlab.train.checkpoint import checkpoint_path
from descentlab.train.tasks import half_squared_error

MEASURED = ["epoch", "examples", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"]
SPECS = ["adam(lr=0.01)", "momentum(lr=0.004, momentum=0.9)", "rmsprop(lr=0.01, alpha=0.9)"]
SCHEDULER = "step(step_size=1, gamma=0.5)"
BATCHES = 150  # airfoil: 1500 examples in batches of 10


class CountingLoss:
    """airfoil's loss, counting the training batches it is called for (evaluations run
    without gradients), and pressing Ctrl-C on batch number ``interrupt_at``."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.batches, self.interrupt_at = 0, interrupt_at

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            self.batches += 1
            if self.batches == self.interrupt_at:
                raise KeyboardInterrupt
        return half_squared_error(outputs, targets)


@pytest.fixture(scope="module")
def airfoil() -> Task:
    return dl.tasks.airfoil()


def _counted(task: Task, interrupt_at: int | None = None) -> tuple[Task, CountingLoss]:
    loss = CountingLoss(interrupt_at)
    return dataclasses.replace(task, loss=loss), loss


def _compare(task: Task, folder: Path | None, **options: Any) -> Training:
    return dl.compare(task, SPECS, 3, scheduler=SCHEDULER, checkpoint_dir=folder, **options)


def _paths(folder: Path) -> list[Path]:
    return [checkpoint_path(folder, "airfoil", label, 0) for label in SPECS]


def _epoch(path: Path) -> int:
    return int(torch.load(path, weights_only=True)["epoch"])


def _files(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file in ``folder``: its sha256 and modification time."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in folder.iterdir()
    }


def _assert_identical(resumed: Training, straight: Training) -> None:
    assert resumed.labels == straight.labels
    for a, b in zip(resumed, straight, strict=True):
        pd.testing.assert_frame_equal(a.curve[MEASURED], b.curve[MEASURED], rtol=0, atol=0)
        assert a.curve["seconds"].is_monotonic_increasing
        weights, expected = a.model.state_dict(), b.model.state_dict()
        assert weights.keys() == expected.keys()
        for key in weights:
            assert torch.equal(weights[key], expected[key]), (a.label, key)


def test_an_interrupted_comparison_is_finished_without_redoing_finished_runs(
    airfoil: Task, tmp_path: Path
) -> None:
    plain, _ = _counted(airfoil)
    straight = _compare(plain, None)
    assert straight.labels == SPECS
    first, second, third = _paths(tmp_path)

    # Ctrl-C on the 71st batch of the second optimizer's second epoch
    interrupted, loss = _counted(airfoil, interrupt_at=3 * BATCHES + BATCHES + 71)
    with pytest.raises(KeyboardInterrupt):
        _compare(interrupted, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])
    assert _epoch(first) == 3 and _epoch(second) == 1  # the last complete epoch
    finished = _files(tmp_path)[first.name]

    task, loss = _counted(airfoil)
    resumed = _compare(task, tmp_path, resume=True)
    _assert_identical(resumed, straight)
    # the first run was only loaded; the second trained epochs 2 and 3, the third all 3
    assert loss.batches == 2 * BATCHES + 3 * BATCHES
    assert _files(tmp_path)[first.name] == finished
    assert [_epoch(p) for p in (first, second, third)] == [3, 3, 3]

    # resuming the finished comparison trains nothing and changes no file
    before = _files(tmp_path)
    task, loss = _counted(airfoil)
    _assert_identical(_compare(task, tmp_path, resume=True), straight)
    assert loss.batches == 0 and _files(tmp_path) == before


def test_ctrl_c_while_a_checkpoint_is_written_keeps_the_previous_one(
    airfoil: Task, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    straight = dl.fit(airfoil, "adam(lr=0.01)", epochs=3)
    real_save, saves = torch.save, []

    def save_then_interrupt(obj: object, handle: Any, *args: Any, **kwargs: Any) -> None:
        saves.append(obj)
        if len(saves) < 2:
            return real_save(obj, handle, *args, **kwargs)
        handle.write(b"half a checkpoint")  # Ctrl-C in the middle of the second epoch's
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        dl.fit(airfoil, "adam(lr=0.01)", epochs=3, checkpoint_dir=tmp_path)
    monkeypatch.undo()
    # no partial file is left, and the first epoch's checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["airfoil-adam-lr-0.01-seed0.pt"]
    assert _epoch(next(tmp_path.iterdir())) == 1
    resumed = dl.fit(airfoil, "adam(lr=0.01)", epochs=3, checkpoint_dir=tmp_path, resume=True)
    pd.testing.assert_frame_equal(resumed.curve[MEASURED], straight.curve[MEASURED], rtol=0, atol=0)


def test_resuming_from_a_folder_with_none_of_the_checkpoints_is_an_error(
    airfoil: Task, tmp_path: Path
) -> None:
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=1, checkpoint_dir=tmp_path)  # another run's
    names = ", ".join(p.name for p in _paths(tmp_path))
    before = _files(tmp_path)
    task, loss = _counted(airfoil)
    with pytest.raises(CheckpointError) as error:
        _compare(task, tmp_path, resume=True)
    assert str(error.value) == (
        f"no checkpoint to resume from: {str(tmp_path)!r} holds none of {names}; "
        "run without resume to start"
    )
    assert loss.batches == 0 and _files(tmp_path) == before

    typo = tmp_path / "chekpoints"
    with pytest.raises(CheckpointError) as error:
        _compare(task, typo, resume=True)
    assert str(error.value) == (
        f"no checkpoint to resume from: {str(typo)!r} does not exist; run without resume to start"
    )
    assert not typo.exists()


@pytest.mark.parametrize("how", ["damaged", "beyond epochs", "another model"])
def test_a_bad_checkpoint_for_any_run_stops_the_comparison_before_training(
    airfoil: Task, tmp_path: Path, how: str
) -> None:
    second = _paths(tmp_path)[1]
    dl.compare(airfoil, SPECS[:2], 2, scheduler=SCHEDULER, checkpoint_dir=tmp_path)
    task, loss = _counted(airfoil)
    if how == "damaged":
        second.write_bytes(second.read_bytes()[:100])
        message = r"is damaged or not a checkpoint"
    elif how == "beyond epochs":
        dl.fit(airfoil, SPECS[1], 4, scheduler=SCHEDULER, checkpoint_dir=tmp_path)
        message = r"momentum-lr-0.004-momentum-0.9-seed0.pt' is at epoch 4, beyond epochs=3"
    else:
        task = dataclasses.replace(task, model=lambda: torch.nn.Linear(5, 1, bias=False))
        message = r"adam-lr-0.01-seed0.pt' does not fit this run \(.*state_dict"
    before = _files(tmp_path)
    with pytest.raises(CheckpointError, match=message) as error:
        _compare(task, tmp_path, resume=True)
    assert "\n" not in str(error.value)
    # nothing trained (not even the runs before the bad one) and no file changed
    assert loss.batches == 0 and _files(tmp_path) == before


def test_progress_counts_the_batches_a_resumed_run_had_done(airfoil: Task, tmp_path: Path) -> None:
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=1, checkpoint_dir=tmp_path)
    calls: list[tuple[str, int, int]] = []
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=2, checkpoint_dir=tmp_path, resume=True,
           on_progress=lambda *call: calls.append(call))  # fmt: skip
    assert calls[0] == ("airfoil sgd(lr=0.05)", 150, 300)
    assert calls[-1] == ("airfoil sgd(lr=0.05)", 300, 300) and len(calls) == 151
