"""Results that describe themselves: summary tables, the best run, short reprs, progress."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

import descentlab as dl
from descentlab.engine import Best, Race, Sweep

# gradient descent on f(x) = x**2 (the "parabola", domain [-10, 10], minimum 0 at 0):
# x_t = (1 - 2 lr)^t x_0, so f_t = (1 - 2 lr)^(2t) x_0^2. With lr = 1.5 the factor is
# -2, and a run diverges once |x| > 1000 half-widths = 10,000.
STARTS = [(10.0,), (-5.0,), (2.0,)]


def first_within(x0: float, factor: float, tol: float = 1e-3) -> int:
    """First t with x0^2 factor^(2t) <= tol."""
    return math.ceil(math.log(tol / x0**2) / math.log(factor**2))


def diverges_at(x0: float) -> int:
    """First t with |x0| 2^t > 10,000."""
    return math.floor(math.log2(10_000 / abs(x0))) + 1


def test_race_summary_one_row_per_optimizer_and_start_best_first():
    race = dl.run("parabola", ["sgd(lr=1.5)", "sgd(lr=0.2)"], starts=STARTS, steps=20,
                  dtype=torch.float64)  # fmt: skip
    table = race.summary()
    assert list(table.columns) == [
        "optimizer", "start", "start_x", "final_x", "final_loss", "best_loss", "best_step",
        "steps_to_tol", "diverged", "diverged_at",
    ]  # fmt: skip
    # the converging runs in order of final loss (smallest start first), then the diverged
    assert table.optimizer.tolist() == ["sgd(lr=0.2)"] * 3 + ["sgd(lr=1.5)"] * 3
    assert table.start_x.tolist()[:3] == [2.0, -5.0, 10.0]
    good = table.iloc[:3]
    x0 = good.start_x.to_numpy()
    np.testing.assert_allclose(good.final_x, x0 * 0.6**20, rtol=1e-12)
    np.testing.assert_allclose(good.final_loss, x0**2 * 0.36**20, rtol=1e-12)
    np.testing.assert_allclose(good.best_loss, good.final_loss)
    assert good.best_step.tolist() == [20, 20, 20]
    assert good.steps_to_tol.tolist() == [first_within(x, 0.6) for x in x0] == [9, 10, 12]
    assert not good.diverged.any() and (good.diverged_at == -1).all()
    wild = table.iloc[3:]
    assert wild.diverged.all() and wild.final_loss.isna().all() and wild.final_x.isna().all()
    assert sorted(wild.diverged_at) == sorted(diverges_at(x) for (x,) in STARTS) == [10, 11, 13]
    # its best is where it started, before it blew up
    np.testing.assert_allclose(wild.best_loss, wild.start_x**2)
    assert (wild.best_step == 0).all() and (wild.steps_to_tol == -1).all()


def test_race_summary_tolerance_is_a_keyword():
    race = dl.run("parabola", "sgd(lr=0.2)", starts=[(10.0,)], steps=30, dtype=torch.float64)
    assert race.summary(tol=1.0).steps_to_tol[0] == first_within(10.0, 0.6, 1.0) == 5
    assert race.summary(tol=1e-9).steps_to_tol[0] == first_within(10.0, 0.6, 1e-9) == 25
    assert race.summary(tol=1e-12).steps_to_tol[0] == -1  # 100 * 0.36^30 is 4.7e-12
    with pytest.raises(ValueError, match="tol must be a finite number"):
        race.summary(tol=-1.0)


def test_race_best_and_repr():
    specs = ["sgd(lr=0.001)", "nesterov(lr=0.001)", "adam(lr=0.1)", "rmsprop(lr=0.01)",
             "sgd(lr=0.2)"]  # fmt: skip
    starts = [(0.0, 0.0), (-4.0, 4.0), (4.5, -4.5), (1.0, 1.0)]
    race = dl.run("himmelblau", specs, starts=starts, steps=50)
    final = np.where(race.diverged_at >= 0, np.inf, race.losses[:, :, -1])
    k, s = np.unravel_index(final.argmin(), final.shape)
    best = race.best
    assert isinstance(best, Best)
    assert (best.optimizer, best.start, best.point) == (specs[k], s, starts[s])
    assert best.final_loss == pytest.approx(float(race.losses[k, s, -1]))
    text = repr(race)
    lines = text.splitlines()
    assert len(lines) <= 8 and len(text) < 600
    assert lines[0] == "Race on himmelblau: 5 optimizers x 4 starts x 50 steps"
    assert f"best: {specs[k]} from start {s}" in text
    diverged = int((race.diverged_at >= 0).sum())
    assert diverged > 0  # sgd(lr=0.2) leaves himmelblau
    assert f"diverged: {diverged} of 20 trajectories" in text


def test_repr_when_everything_diverged_and_climbing():
    race = dl.run("parabola", "sgd(lr=1.5)", starts=[(10.0,)], steps=20)
    assert race.best is None and "best: none, every trajectory diverged" in repr(race)
    climb = dl.run("-(x**2 + y**2)", "sgd(lr=0.1)", starts=[(1.0, 1.0)], steps=30, maximize=True)
    row = climb.summary().iloc[0]
    assert row.best_loss == pytest.approx(climb.losses.max()) and row.steps_to_tol == -1
    assert "climbing" in repr(climb)


def test_sweep_summary_aggregates_each_setting_over_its_starts():
    sw = dl.sweep("parabola", "sgd", grid={"lr": [0.05, 1.5, 0.2]}, starts=STARTS, steps=30,
                  dtype=torch.float64)  # fmt: skip
    table = sw.summary()
    assert list(table.columns) == [
        "optimizer", "lr", "starts", "reached_fraction", "diverged_fraction",
        "median_final_loss", "best_final_loss", "median_steps_to_tol",
    ]  # fmt: skip
    # every start reaches tolerance with 0.2, none with 0.05, all diverge with 1.5
    assert table.lr.tolist() == [0.2, 0.05, 1.5]
    assert table.optimizer.tolist() == ["sgd"] * 3 and table.starts.tolist() == [3, 3, 3]
    assert table.reached_fraction.tolist() == [1.0, 0.0, 0.0]
    assert table.diverged_fraction.tolist() == [0.0, 0.0, 1.0]
    x0 = np.array([x for (x,) in STARTS])
    fast, slow, wild = table.iloc[0], table.iloc[1], table.iloc[2]
    assert fast.median_steps_to_tol == np.median([first_within(x, 0.6) for x in x0]) == 10
    assert slow.median_final_loss == pytest.approx(np.median(x0**2) * 0.81**30, rel=1e-9)
    assert slow.best_final_loss == pytest.approx(4.0 * 0.81**30, rel=1e-9)
    assert np.isnan(slow.median_steps_to_tol)
    assert np.isnan(wild.median_final_loss) and np.isnan(wild.best_final_loss)
    # the per-trajectory rows stay in the frame
    assert len(sw.frame) == 9 and len(sw.to_frame()) == 9


def test_sweep_best_puts_pairs_back_together_and_repr_is_short():
    grid = {"lr": [0.01, 0.1], "betas": [(0.9, 0.999), (0.5, 0.9)]}
    starts = [(0.0, 0.0), (-4.0, 4.0), (4.5, -4.5)]
    sw = dl.sweep("himmelblau", "adam", grid=grid, starts=starts, steps=40)
    frame = sw.frame
    row = frame.loc[frame.final_loss.idxmin()]
    best = sw.best
    assert best is not None and best.optimizer == "adam"
    assert best.settings == {"lr": row.lr, "betas": (row["betas[0]"], row["betas[1]"])}
    assert best.start == row.start and best.point == starts[int(row.start)]
    assert best.final_loss == pytest.approx(row.final_loss)
    table = sw.summary()
    assert {"betas[0]", "betas[1]"} <= set(table.columns) and len(table) == 4
    assert (table.starts == 3).all()
    text = repr(sw)
    assert len(text.splitlines()) <= 8 and len(text) < 600
    assert text.startswith("Sweep of adam on himmelblau: 4 settings x 3 starts = 12 trajectories")


def test_sweep_summary_without_a_grid_or_a_known_minimum():
    sw = dl.sweep("saddle", "sgd(lr=0.1)", starts=[(1.0, 1e-3), (0.5, 0.5)], steps=10)
    table = sw.summary()
    assert len(table) == 1 and table.starts[0] == 2
    assert list(table.columns[:2]) == ["optimizer", "starts"]
    assert np.isnan(table.reached_fraction[0]) and np.isnan(table.median_steps_to_tol[0])
    assert "over all starts:" in repr(sw) and "grid: none" in repr(sw)


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_loaded_results_describe_themselves_the_same(tmp_path, suffix):
    race = dl.run("parabola", ["sgd(lr=1.5)", "sgd(lr=0.2)"], starts=STARTS, steps=20)
    back = Race.load(race.save(tmp_path / f"race{suffix}"))
    assert repr(back) == repr(race)
    np.testing.assert_allclose(back.summary().final_loss, race.summary().final_loss)
    sw = dl.sweep("parabola", "sgd", grid={"lr": [0.05, 1.5, 0.2]}, starts=STARTS, steps=30)
    loaded = Sweep.load(sw.save(tmp_path / f"sweep{suffix}"))
    assert repr(loaded) == repr(sw)
    np.testing.assert_allclose(loaded.summary().reached_fraction, sw.summary().reached_fraction)


def test_progress_goes_to_the_callback_and_nothing_is_drawn(capfd):
    calls = []
    dl.run("himmelblau", "adam", steps=50, on_progress=lambda *call: calls.append(call))
    assert calls[-1] == ("race on himmelblau", 50, 50) and len(calls) == 50
    assert [done for _, done, _ in calls] == list(range(1, 51))
    calls.clear()
    starts = dl.grid_starts("himmelblau", 4)
    dl.sweep("himmelblau", "adam", grid={"lr": [0.1, 0.2, 0.3]}, starts=starts, steps=20,
             chunk=16, on_progress=lambda *call: calls.append(call))  # fmt: skip
    assert calls[-1] == ("sweep adam", 60, 60)  # 3 chunks x 20 steps
    assert all(total == 60 for _, _, total in calls)
    dl.run("himmelblau", "adam", steps=50)
    assert capfd.readouterr() == ("", "")


def test_importing_the_engine_loads_neither_pandas_nor_rich():
    code = "import sys, descentlab.engine; print('pandas' in sys.modules, 'rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
