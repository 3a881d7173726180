"""Sweeps: grids of hyperparameters x starts in one tensor, summarised per trajectory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab.engine import Sweep


def test_grid_starts_cover_the_domain():
    starts = dl.grid_starts("himmelblau", 5)
    assert starts.shape == (25, 2)
    assert starts.min(0).tolist() == [-5.0, -5.0] and starts.max(0).tolist() == [5.0, 5.0]
    assert starts[:5, 1].tolist() == [-5.0] * 5  # x runs fastest
    assert dl.grid_starts("xcos", 4).shape == (4, 1)
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        dl.grid_starts("beale", 0)


def test_the_documented_example_shape_and_columns():
    lrs = np.logspace(-3, 0, 4)
    sw = dl.sweep("himmelblau", "adam", grid={"lr": lrs}, starts=dl.grid_starts("himmelblau", 6),
                  steps=60)  # fmt: skip
    frame = sw.to_frame()
    assert len(frame) == 4 * 36
    assert list(frame.columns) == [
        "lr", "start", "start_x", "start_y", "final_x", "final_y", "final_loss", "best_loss",
        "steps_to_tol", "basin", "diverged", "diverged_at",
    ]  # fmt: skip
    assert sorted(frame.lr.unique()) == pytest.approx(lrs)
    assert set(frame.basin) <= {-1, 0, 1, 2, 3}
    assert (frame.best_loss <= frame.final_loss + 1e-6).all()


def test_each_row_equals_its_own_race():
    grid = {"lr": [0.01, 0.05], "betas": [(0.9, 0.999), (0.5, 0.9)]}
    starts = [(0.0, 0.0), (-4.0, 4.0), (4.5, -4.5)]
    sw = dl.sweep("himmelblau", "adam", grid=grid, starts=starts, steps=80, tol=1e-2,
                  dtype=torch.float64)  # fmt: skip
    frame = sw.frame
    for lr in grid["lr"]:
        for betas in grid["betas"]:
            race = dl.run("himmelblau", f"adam(lr={lr}, betas={betas})", starts=starts, steps=80,
                          dtype=torch.float64)  # fmt: skip
            rows = frame[(frame.lr == lr) & (frame["betas[0]"] == betas[0])
                         & (frame["betas[1]"] == betas[1])]  # fmt: skip
            np.testing.assert_allclose(rows[["final_x", "final_y"]], race.positions[0, :, -1])
            np.testing.assert_allclose(rows.final_loss, race.losses[0, :, -1], atol=1e-12)
            np.testing.assert_allclose(rows.best_loss, race.losses[0].min(-1), atol=1e-12)
            reached = np.abs(race.losses[0]) <= 1e-2
            first = np.where(reached.any(-1), reached.argmax(-1), -1)
            np.testing.assert_array_equal(rows.steps_to_tol, first)


def test_basins_of_himmelblau_name_the_minimum_reached():
    starts = [(3.5, 2.5), (-3.0, 3.5), (-4.0, -4.0), (4.0, -2.0)]
    sw = dl.sweep("himmelblau", "adam(lr=0.1)", starts=starts, steps=400)
    assert sw.frame.basin.tolist() == [0, 1, 2, 3]
    assert (sw.frame.final_loss < 1e-6).all() and not sw.frame.diverged.any()


def test_diverged_runs_have_no_basin_and_nan_final_loss():
    sw = dl.sweep("bowl", "sgd", grid={"lr": [0.1, 2.0]}, starts=[(-5.0, -2.0)], steps=40)
    stable, wild = sw.frame.iloc[0], sw.frame.iloc[1]
    assert not stable.diverged and stable.basin == 0 and stable.steps_to_tol > 0
    assert wild.diverged and wild.basin == -1 and np.isnan(wild.final_loss)
    assert wild.diverged_at > 0 and wild.steps_to_tol == -1


def test_landscapes_without_known_minima():
    sw = dl.sweep("saddle", "sgd", grid={"lr": [0.01, 0.1]}, starts=[(1.0, 1e-3)], steps=10)
    assert (sw.frame.basin == -1).all() and (sw.frame.steps_to_tol == -1).all()


def test_fallbacks_give_the_same_rows():
    grid = {"lr": [0.01, 0.03]}
    starts = [(0.0, 0.0), (-1.0, 2.0)]
    ours = dl.sweep("himmelblau", "nesterov", grid=grid, starts=starts, steps=30,
                    dtype=torch.float64)  # fmt: skip
    theirs = dl.sweep("himmelblau", "torch.SGD(momentum=0.9, nesterov=True)", grid=grid,
                      starts=starts, steps=30, dtype=torch.float64)  # fmt: skip
    final = ["final_x", "final_y"]
    np.testing.assert_allclose(ours.frame[final], theirs.frame[final])
    flags = dl.sweep(
        "himmelblau", "sgd(lr=0.01, momentum=0.9)", grid={"nesterov": [False, True]},
        starts=starts, steps=30, dtype=torch.float64,
    )  # fmt: skip
    with_nesterov = flags.frame[flags.frame.nesterov][final]
    np.testing.assert_allclose(with_nesterov, ours.frame[ours.frame.lr == 0.01][final])


def test_chunks_give_the_same_rows():
    grid = {"lr": [0.001, 0.01, 0.1]}
    starts = dl.grid_starts("rosenbrock", 4)
    whole = dl.sweep("rosenbrock", "adam", grid=grid, starts=starts, steps=20)
    pieces = dl.sweep("rosenbrock", "adam", grid=grid, starts=starts, steps=20, chunk=16)
    pd.testing.assert_frame_equal(whole.frame, pieces.frame)


def test_compiled_sweep_equals_eager():
    grid = {"lr": [0.01, 0.1]}
    starts = dl.grid_starts("himmelblau", 8)
    eager = dl.sweep("himmelblau", "adam", grid=grid, starts=starts, steps=30, compile=False)
    compiled = dl.sweep("himmelblau", "adam", grid=grid, starts=starts, steps=30, compile=True)
    pd.testing.assert_frame_equal(eager.frame, compiled.frame, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".npz"])
def test_save_and_load_back_equal(tmp_path, suffix):
    sw = dl.sweep("himmelblau", "adam", grid={"lr": [0.01, 0.1], "betas": [(0.9, 0.99)]},
                  starts=dl.grid_starts("himmelblau", 3), steps=10)  # fmt: skip
    loaded = Sweep.load(sw.save(tmp_path / f"sweep{suffix}"))
    pd.testing.assert_frame_equal(loaded.frame, sw.frame, check_dtype=False)
    assert loaded.grid == sw.grid and loaded.spec == sw.spec and loaded.options == sw.options
    np.testing.assert_array_equal(loaded.starts, sw.starts)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(grid={"lrr": [0.1]}), TypeError, r"adam has no hyperparameter 'lrr'"),
        (dict(grid={"lr": []}), ValueError, r"grid 'lr' has no values"),
        (dict(grid={"lr": [-1.0]}), ValueError, r"Adam: lr must be >= 0"),
        (dict(tol=-1.0), ValueError, r"tol must be a finite number >= 0"),
        (dict(optimizer=lambda p: torch.optim.SGD(p, lr=0.1)), ValueError, r"cannot be swept"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = dict(optimizer="adam", grid={"lr": [0.1]}, starts=[(0.0, 0.0)], steps=3) | kwargs
    with pytest.raises(error, match=message):
        dl.sweep("himmelblau", arguments.pop("optimizer"), **arguments)


def test_a_million_trajectories_fit(tmp_path):
    starts = dl.grid_starts("himmelblau", 1000)
    sw = dl.sweep("himmelblau", "adam(lr=0.1)", starts=starts, steps=3, compile=False)
    assert len(sw.frame) == 1_000_000
    assert sw.frame.final_loss.notna().all()
    text = repr(sw)  # a few lines, not a million rows
    assert len(text.splitlines()) <= 8 and len(text) < 600
    assert text.startswith("Sweep of adam(lr=0.1) on himmelblau: 1,000,000 starts x 3 steps")
    assert "diverged: 0 of 1,000,000 trajectories" in text
    table = sw.summary()
    assert len(table) == 1 and table.starts[0] == 1_000_000


def test_climbing_keeps_the_highest_value_and_no_minimum_targets():
    sw = dl.sweep("-(x**2 + y**2)", "sgd(lr=0.1)", starts=[(1.0, 1.0)], steps=30, maximize=True)
    row = sw.frame.iloc[0]
    assert row.best_loss == pytest.approx(row.final_loss) and row.best_loss > -1e-3
    assert row.steps_to_tol == -1 and row.basin == -1


def test_undefined_values_count_as_divergence_as_in_races():
    sw = dl.sweep("sqrt(x) + y**2", "sgd(lr=0.5)", starts=[(1.0, 1.0)], steps=10)
    race = dl.run("sqrt(x) + y**2", "sgd(lr=0.5)", starts=[(1.0, 1.0)], steps=10)
    assert sw.frame.diverged_at[0] == race.diverged_at[0, 0] > 0


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"betas": [(0.9, 0.99), (0.8, 0.9, 0.7)]}, r"grid 'betas' must hold pairs of numbers"),
        ({"betas": [(0.9, 0.99), 0.5]}, r"grid 'betas' must hold pairs of numbers"),
        ({"lr": ["0.1", "0.2"]}, r"grid 'lr' must hold numbers, got '0.1'"),
        ({"momentum": [0.9, True]}, r"grid 'momentum' must hold numbers, got True"),
        ({"amsgrad": [1, 0]}, r"grid 'amsgrad' must hold True or False, got 1"),
    ],
)
def test_grid_values_must_fit_their_hyperparameter(grid, message):
    spec = "sgd" if "momentum" in grid else "adam"
    with pytest.raises(ValueError, match=message):
        dl.sweep("himmelblau", spec, grid=grid, starts=[(0.0, 0.0)], steps=2)


def test_grid_values_from_numpy_ranges_and_tuples_of_numbers(tmp_path):
    grid = {"lr": np.linspace(0.1, 0.3, 3, dtype=np.float32), "amsgrad": (True, False)}
    sw = dl.sweep("himmelblau", "adam", starts=[(0.0, 0.0)], steps=2, grid=grid)
    assert len(sw.frame) == 6 and sw.frame.lr.dtype.kind == "f"
    loaded = Sweep.load(sw.save(tmp_path / "grid.parquet"))
    assert loaded.grid == sw.grid
