"""Figures of sweeps: basin maps, sensitivity and heatmaps draw the sweep's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import descentlab as dl
from descentlab import viz
from descentlab.engine import Sweeps


@pytest.fixture(scope="module")
def himmelblau():
    return dl.sweep("himmelblau", "adam", grid={"lr": [0.05, 0.2, 6.0]},
                    starts=dl.grid_starts("himmelblau", 12), steps=150)  # fmt: skip


def test_basin_map_colours_each_start_by_its_minimum(himmelblau):
    fig = viz.basins(himmelblau)
    panels = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["lr = 0.05", "lr = 0.2", "lr = 6"]
    mesh = panels[0].collections[0]
    rows = himmelblau.frame[himmelblau.frame.lr == 0.05]
    expected = np.where(rows.diverged, -2, np.where(rows.steps_to_tol < 0, -1, rows.basin))
    expected = expected.reshape(12, 12)
    assert (expected == -1).any() and (expected >= 0).any()
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(12, 12), expected)
    assert len([line for line in panels[0].get_lines() if line.get_marker() == "*"]) == 4
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels[:2] == ["diverged", "no known minimum reached"]
    assert labels[2].startswith("minimum 0: (3, 2)")


def test_basins_place_starts_by_coordinates_not_order():
    starts = dl.grid_starts("himmelblau", 6)
    y_fastest = starts[np.lexsort((starts[:, 1], starts[:, 0]))]
    a = dl.sweep("himmelblau", "adam(lr=0.1)", starts=starts, steps=300)
    b = dl.sweep("himmelblau", "adam(lr=0.1)", starts=y_fastest, steps=300)
    image = [np.asarray(viz.basins(s).get_axes()[0].collections[0].get_array()) for s in (a, b)]
    np.testing.assert_array_equal(image[0], image[1])


def test_basins_need_a_grid_and_minima():
    scattered = dl.sweep("himmelblau", "adam", starts=[(0.0, 0.0), (1.0, 2.0), (3.0, 3.0)], steps=2)
    with pytest.raises(ValueError, match="needs starts on a grid"):
        viz.basins(scattered)
    saddle = dl.sweep("saddle", "sgd", starts=dl.grid_starts("saddle", 3), steps=2)
    with pytest.raises(ValueError, match="needs a 2-D landscape with known minima"):
        viz.basins(saddle)


def test_sensitivity_plots_the_median_and_band(himmelblau):
    other = dl.sweep("himmelblau", "sgd", grid={"lr": [0.001, 0.01]},
                     starts=dl.grid_starts("himmelblau", 12), steps=150)  # fmt: skip
    ax = viz.sensitivity([himmelblau, other]).get_axes()[0]
    adam = ax.get_lines()[0]
    frame = himmelblau.frame
    gaps = frame.final_loss.where(~frame.diverged, np.inf)
    medians = gaps.groupby(frame.lr).median().to_numpy()
    np.testing.assert_allclose(adam.get_ydata(), medians)
    assert ax.get_xscale() == "log"
    named = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert named == ["adam", "sgd"]
    with pytest.raises(ValueError, match="was not swept over 'momentum'"):
        viz.sensitivity(himmelblau, x="momentum")


def test_heatmap_of_two_hyperparameters():
    sw = dl.sweep("rosenbrock", "sgd", grid={"lr": [1e-4, 1e-3, 1e-1], "momentum": [0.0, 0.9]},
                  starts=dl.grid_starts("rosenbrock", 3), steps=50)  # fmt: skip
    fig = viz.heatmap(sw, x="lr", y="momentum")
    image = fig.get_axes()[0].get_images()[0]
    data = np.ma.filled(image.get_array(), np.nan)
    assert data.shape == (2, 3)
    frame = sw.frame
    expected = frame[(frame.lr == 1e-4) & (frame.momentum == 0.0)].final_loss.median()
    assert data[0, 0] == pytest.approx(expected)
    assert np.isnan(data[:, 2]).all()  # lr 0.1 diverges: grey
    with pytest.raises(ValueError, match="'beta' is not a column of this sweep"):
        viz.heatmap(sw, x="lr", y="beta")


def test_sensitivity_draws_one_line_per_other_setting_and_one_landscape():
    sw = dl.sweep("rosenbrock", "sgd", grid={"lr": [1e-4, 1e-3], "momentum": [0.0, 0.9]},
                  starts=dl.grid_starts("rosenbrock", 3), steps=20)  # fmt: skip
    ax = viz.sensitivity(sw).get_axes()[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["sgd, momentum=0", "sgd, momentum=0.9"]
    other = dl.sweep("bowl", "sgd", grid={"lr": [0.1]}, starts=[(1.0, 1.0)], steps=2)
    with pytest.raises(ValueError, match="must share one landscape"):
        viz.sensitivity([sw, other])


def test_heatmap_of_steps_to_tol_greys_the_runs_that_never_got_there():
    sw = dl.sweep("bowl", "sgd", grid={"lr": [0.01, 0.1], "momentum": [0.0, 0.9]},
                  starts=[(-5.0, -2.0)], steps=30, tol=1e-3)  # fmt: skip
    data = np.ma.filled(viz.heatmap(sw, x="lr", y="momentum", value="steps_to_tol")
                        .get_axes()[0].get_images()[0].get_array(), np.nan)  # fmt: skip
    frame = sw.frame
    never = frame[(frame.lr == 0.01) & (frame.momentum == 0.0)].steps_to_tol.iloc[0]
    assert never == -1 and np.isnan(data[0, 0])
    with pytest.raises(ValueError, match="two different columns"):
        viz.heatmap(sw, x="lr", y="lr")


def test_basins_one_panel_per_optimizer():
    starts = dl.grid_starts("himmelblau", 8)
    sweeps = [dl.sweep("himmelblau", spec, starts=starts, steps=200)
              for spec in ("sgd(lr=0.01)", "adam(lr=0.1)")]  # fmt: skip
    fig = viz.basins(sweeps)
    assert [ax.get_title() for ax in fig.get_axes() if ax.get_visible()] == [
        "sgd(lr=0.01)", "adam(lr=0.1)"
    ]  # fmt: skip
    with pytest.raises(ValueError, match="share one grid of starts"):
        viz.basins(
            [
                sweeps[0],
                dl.sweep("himmelblau", "sgd", starts=dl.grid_starts("himmelblau", 4), steps=2),
            ]
        )


def _drawn(fig):
    return repr([
        (ax.get_title(), [line.get_ydata().tolist() for line in ax.get_lines()],
         [np.asarray(c.get_array()).tolist() for c in ax.collections if c.get_array() is not None])
        for ax in fig.get_axes()
    ])  # fmt: skip


def test_sweeps_draw_as_their_list():
    starts = dl.grid_starts("himmelblau", 6)
    graded = [dl.sweep("himmelblau", spec, grid={"lr": [0.01, 0.05]}, starts=starts, steps=50)
              for spec in ("sgd", "adam")]  # fmt: skip
    assert _drawn(viz.sensitivity(Sweeps(graded))) == _drawn(viz.sensitivity(graded))
    single = [dl.sweep("himmelblau", spec, starts=starts, steps=50) for spec in ("sgd", "adam")]
    assert _drawn(viz.basins(Sweeps(single))) == _drawn(viz.basins(single))
