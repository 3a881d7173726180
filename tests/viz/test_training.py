"""Training curves: what they draw for regression and classification, diverged runs,
and files read back."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

import descentlab as dl
from descentlab import viz

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def airfoil_runs() -> dl.Training:
    task = dl.tasks.airfoil()
    return dl.compare(task, ["sgd(lr=0.05)", "adam(lr=0.01)", "sgd(lr=5)"], epochs=1)


@pytest.fixture(scope="module")
def digits_runs() -> dl.Training:
    return dl.compare("digits", ["adam(lr=1e-3)", "momentum(lr=0.05)"], epochs=4)


def _line_data(ax: matplotlib.axes.Axes) -> list[np.ndarray]:
    return [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]


def test_regression_draws_one_training_curve_per_optimizer(airfoil_runs: dl.Training) -> None:
    fig = viz.loss_curves(airfoil_runs)
    (ax,) = fig.axes
    drawn = _line_data(ax)
    for run in airfoil_runs:  # each run's training loss is on the axes, point for point
        assert any(np.array_equal(d, run.curve["train_loss"].to_numpy(), equal_nan=True)
                   for d in drawn)  # fmt: skip
    wild = airfoil_runs["sgd(lr=5)"]
    assert wild.diverged_at > 0
    low, high = ax.get_ylim()  # the range follows the two calm runs, not the diverged one
    calm = np.concatenate([airfoil_runs[i].curve["train_loss"].to_numpy()[1:] for i in (0, 1)])
    assert low <= calm.min() and high >= calm.max() and high < 1.0
    assert ax.get_xlabel() == "epoch" and ax.get_yscale() == "linear"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [*airfoil_runs.labels, "diverged"]


def test_classification_adds_validation_and_an_accuracy_panel(digits_runs: dl.Training) -> None:
    fig = viz.loss_curves(digits_runs)
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_yscale() == "log"
    panels = [(loss_ax, "train_loss"), (loss_ax, "val_loss"),
              (accuracy_ax, "val_accuracy"), (accuracy_ax, "train_accuracy")]  # fmt: skip
    for run in digits_runs:
        for ax, column in panels:
            assert any(np.array_equal(d, run.curve[column].to_numpy()) for d in _line_data(ax))
    styles = {line.get_linestyle() for line in loss_ax.get_lines()}
    assert styles == {"-", "--"}
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [*digits_runs.labels, "training", "validation"]
    assert accuracy_ax.get_ylim()[1] <= 1.005


def test_a_single_run_and_a_list_draw_alike(digits_runs: dl.Training, tmp_path: Path) -> None:
    one = viz.loss_curves(digits_runs[0])
    assert len(one.axes[0].get_lines()) == 2
    listed = viz.training_curves(list(digits_runs))
    assert len(listed.axes[0].get_lines()) == 4
    path = tmp_path / "digits.png"
    listed.savefig(path, dpi=80)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 2 * image.size[1]


def test_bad_input_is_one_clear_error(digits_runs: dl.Training) -> None:
    with pytest.raises(ValueError, match=r"gap applies to races"):
        viz.loss_curves(digits_runs, gap=True)
    with pytest.raises(TypeError, match=r"training curves draw a TrainingRun"):
        viz.training_curves([1, 2])
