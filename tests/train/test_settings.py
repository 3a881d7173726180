"""The settings shared by fit and compare: checked once, frozen."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from descentlab.train import TrainingSettings


def test_defaults_come_from_the_task():
    settings = TrainingSettings.of("airfoil")
    assert settings.task.name == "airfoil"
    assert (settings.epochs, settings.batch_size) == (
        settings.task.epochs,
        settings.task.batch_size,
    )
    assert settings.seed == 0 and settings.dtype is torch.float32 and not settings.resume
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epochs = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(epochs=0), "epochs must be a whole number >= 1"),
        (dict(batch_size=2.5), "batch_size must be a whole number >= 1"),
        (dict(seed=-1), "seed must be a whole number >= 0"),
        (dict(dtype=torch.float16), "dtype must be torch.float32 or torch.float64"),
        (dict(scheduler="stepp"), "unknown scheduler 'stepp'"),
        (dict(resume=True), "resume=True needs the checkpoint_dir"),
    ],
)
def test_bad_settings_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        TrainingSettings.of("airfoil", **options)
