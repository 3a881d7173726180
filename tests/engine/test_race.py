"""Races: shapes, published figures, vectorised = one by one, divergence, noise, files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab import optim
from descentlab.engine import Race


def test_the_documented_example():
    race = dl.run(
        "beale", ["sgd(lr=1e-3)", "nesterov(lr=1e-3)", "adam(lr=0.1)"],
        starts=[(1.0, 1.5)], steps=300,
    )  # fmt: skip
    assert race.positions.shape == (3, 1, 301, 2)
    assert race.losses.shape == (3, 1, 301)
    assert race.diverged_at.tolist() == [[-1], [-1], [-1]]
    assert race.labels == ["sgd(lr=0.001)", "nesterov(lr=0.001)", "adam(lr=0.1)"]
    np.testing.assert_array_equal(race.positions[:, 0, 0], [[1.0, 1.5]] * 3)
    assert (race.losses[:, 0, -1] < race.losses[:, 0, 0]).all()
    frame = race.to_frame()
    assert list(frame.columns) == ["optimizer", "start", "step", "x", "y", "loss", "diverged"]
    assert len(frame) == 3 * 301
    row = frame[(frame.optimizer == "adam(lr=0.1)") & (frame.step == 300)].iloc[0]
    assert (row.x, row.y) == tuple(race.positions[2, 0, 300])


def test_textbook_gradient_descent_on_x_squared():
    race = dl.run("parabola", "sgd(lr=0.2)", starts=[(10.0,)], steps=10, dtype=torch.float64)
    assert race.positions[0, 0, -1, 0] == pytest.approx(0.060466176, abs=1e-9)
    np.testing.assert_allclose(race.positions[0, 0, :, 0], 10 * 0.6 ** np.arange(11))


def test_textbook_gradient_descent_on_the_2d_bowl():
    race = dl.run("bowl", "sgd(lr=0.1)", starts=[(-5.0, -2.0)], steps=20, dtype=torch.float64)
    np.testing.assert_allclose(race.positions[0, 0, -1], [-0.057646, -0.000073], atol=5e-7)


def test_the_loss_is_the_landscape_at_each_recorded_point():
    race = dl.run("himmelblau", ["adam(lr=0.05)", "momentum(lr=0.002)"], starts=[(0, 0), (-1, 2)],
                  steps=50, dtype=torch.float64)  # fmt: skip
    land = race.landscape
    x, y = torch.from_numpy(race.positions[..., 0]), torch.from_numpy(race.positions[..., 1])
    np.testing.assert_allclose(race.losses, land(x, y).numpy())


@pytest.mark.parametrize("name", optim.available())
def test_vectorised_equals_one_start_at_a_time(name):
    # Prodigy's lr multiplies its own estimate, which starts at 1e-6: it keeps lr = 1
    spec = "prodigy" if name == "prodigy" else f"{name}(lr=0.01)"
    starts = [(-1.0, 1.0), (0.5, -0.5), (2.0, 2.5), (-3.0, -1.0)]
    together = dl.run("himmelblau", spec, starts=starts, steps=40, dtype=torch.float64)
    alone = dl.run("himmelblau", spec, starts=starts, steps=40, dtype=torch.float64,
                   vectorize=False)  # fmt: skip
    np.testing.assert_allclose(together.positions, alone.positions, rtol=1e-12, atol=1e-12)
    assert not np.allclose(together.positions[0, :, -1], together.positions[0, :, 0])


def test_torch_specs_callables_and_non_elementwise_optimizers():
    def nag(params):
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)

    race = dl.run("rosenbrock", ["torch.Adam(lr=0.05)", nag, "torch.LBFGS(lr=0.5)"],
                  starts=[(-1.5, 2.0), (0.0, 0.0)], steps=30, dtype=torch.float64)  # fmt: skip
    assert race.labels == ["torch.Adam(lr=0.05)", "nag", "torch.LBFGS(lr=0.5)"]
    ours = dl.run("rosenbrock", ["adam(lr=0.05)", "nesterov(lr=0.01)"],
                  starts=[(-1.5, 2.0), (0.0, 0.0)], steps=30, dtype=torch.float64)  # fmt: skip
    np.testing.assert_allclose(race.positions[:2], ours.positions, rtol=1e-10, atol=1e-12)
    # L-BFGS (not elementwise) ran one start at a time, with closures, and got close
    assert race.losses[2, :, -1].max() < 1e-6


def test_a_diverging_trajectory_is_recorded_and_frozen_and_others_go_on():
    race = dl.run("parabola", ["sgd(lr=1.5)", "sgd(lr=0.1)"], starts=[(10.0,)], steps=30)
    # x doubles (and flips) each step: past 1000x the domain (|x| > 10^4) at step 10
    assert race.diverged_at[0, 0] == 10
    frozen = race.positions[0, 0, 9, 0]
    assert frozen == pytest.approx(10 * (-2) ** 9)
    assert np.all(race.positions[0, 0, 10:, 0] == frozen)
    assert race.diverged_at[1, 0] == -1 and abs(race.positions[1, 0, -1, 0]) < 0.1
    frame = race.to_frame()
    assert frame[frame.optimizer == "sgd(lr=1.5)"].diverged.sum() == 31 - 10
    assert np.isfinite(race.losses).all()


def test_non_finite_values_count_as_divergence():
    race = dl.run("sqrt(x) + y**2", "sgd(lr=0.5)", starts=[(1.0, 1.0)], steps=10)
    t = race.diverged_at[0, 0]
    assert t >= 1
    assert np.isfinite(race.losses[0, 0]).all()
    assert np.all(race.positions[0, 0, t:] == race.positions[0, 0, t - 1])


def test_noise_is_seeded_and_the_same_either_way():
    kwargs = dict(starts=[(1.0, 1.0), (-2.0, 0.5)], steps=25, noise=0.5, dtype=torch.float64)
    a = dl.run("bowl", ["sgd(lr=0.05)", "adam(lr=0.1)"], seed=3, **kwargs)
    b = dl.run("bowl", ["sgd(lr=0.05)", "adam(lr=0.1)"], seed=3, vectorize=False, **kwargs)
    c = dl.run("bowl", ["sgd(lr=0.05)", "adam(lr=0.1)"], seed=4, **kwargs)
    np.testing.assert_allclose(a.positions, b.positions, rtol=1e-12, atol=1e-12)
    assert not np.allclose(a.positions, c.positions)
    clean = dl.run("bowl", ["sgd(lr=0.05)", "adam(lr=0.1)"], **kwargs | {"noise": 0.0})
    assert not np.allclose(a.positions, clean.positions)


def test_maximize_climbs():
    race = dl.run("-(x**2 + y**2)", "sgd(lr=0.1)", starts=[(1.0, 1.0)], steps=20, maximize=True)
    assert race.losses[0, 0, -1] > -1e-3 > race.losses[0, 0, 0]


def test_scheduler_spec_changes_the_steps():
    plain = dl.run("parabola", "sgd(lr=0.1)", steps=20, dtype=torch.float64)
    decayed = dl.run("parabola", "sgd(lr=0.1)", steps=20, dtype=torch.float64,
                     scheduler="step(step_size=5, gamma=0.1)")  # fmt: skip
    expected = [10.0]
    for t in range(20):
        expected.append(expected[-1] * (1 - 2 * 0.1 * 0.1 ** (t // 5)))
    np.testing.assert_allclose(decayed.positions[0, 0, :, 0], expected)
    assert not np.allclose(plain.positions, decayed.positions)
    plateau = dl.run("parabola", "sgd(lr=0.1)", steps=20, scheduler="plateau(patience=1)")
    assert plateau.positions.shape == (1, 1, 21, 1)


def test_float32_and_float64():
    a = dl.run("beale", "adam(lr=0.1)", steps=10)
    b = dl.run("beale", "adam(lr=0.1)", steps=10, dtype=torch.float64)
    assert a.positions.dtype == np.float32 and b.positions.dtype == np.float64
    np.testing.assert_allclose(a.positions, b.positions, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".npz"])
@pytest.mark.parametrize("landscape", ["himmelblau", "x**2 - y**2", "xcos"])
def test_save_and_load_back_equal(tmp_path, suffix, landscape):
    race = dl.run(landscape, ["adam(lr=0.1)", "sgd(lr=0.01)", "sgd(lr=0.01)", "sgd(lr=4.0)"],
                  starts=None, steps=15)  # fmt: skip
    path = race.save(tmp_path / f"race{suffix}")
    loaded = Race.load(path)
    assert (
        loaded.labels
        == race.labels
        == ["adam(lr=0.1)", "sgd(lr=0.01)", "sgd(lr=0.01) #2", "sgd(lr=4.0)"]
    )
    assert loaded.specs == race.specs and loaded.options == race.options
    assert loaded.landscape.name == race.landscape.name
    assert loaded.landscape.domain == race.landscape.domain
    np.testing.assert_array_equal(loaded.starts, race.starts)
    np.testing.assert_array_equal(loaded.positions, race.positions)
    np.testing.assert_array_equal(loaded.losses, race.losses)
    np.testing.assert_array_equal(loaded.diverged_at, race.diverged_at)
    assert loaded.positions.dtype == race.positions.dtype
    pd.testing.assert_frame_equal(loaded.to_frame(), race.to_frame())


def test_saving_to_an_unknown_extension_or_loading_junk_is_a_clear_error(tmp_path):
    race = dl.run("bowl", "sgd(lr=0.1)", steps=3)
    with pytest.raises(ValueError, match=r"unsupported extension '.xlsx'; use one of .csv"):
        race.save(tmp_path / "race.xlsx")
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="is not a descentlab result file"):
        Race.load(junk)
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(optimizers="adma"), ValueError, r"unknown optimizer 'adma'"),
        (dict(landscape="bael"), ValueError, r"unknown landscape 'bael' \(did you mean 'beale'"),
        (dict(steps=-1), ValueError, r"steps must be a whole number >= 0"),
        (dict(starts=[(1, 2, 3)]), ValueError, r"starts must be points of 2 coordinate"),
        (dict(noise=-1.0), ValueError, r"noise must be a finite number >= 0"),
        (dict(dtype=torch.int32), ValueError, r"dtype must be torch.float32 or torch.float64"),
        (dict(scheduler="stepp"), ValueError, r"unknown scheduler 'stepp' \(did you mean 'step'"),
        (dict(optimizers=[]), ValueError, r"give at least one optimizer"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = dict(landscape="beale", optimizers="adam", steps=5) | kwargs
    with pytest.raises(error, match=message):
        dl.run(arguments.pop("landscape"), arguments.pop("optimizers"), **arguments)


def test_a_start_outside_the_domain_is_a_warning():
    with pytest.warns(UserWarning, match=r"1 start\(s\) lie outside the domain of beale"):
        race = dl.run("beale", "adam(lr=0.1)", starts=[(6.0, 0.0), (1.0, 1.0)], steps=3)
    assert race.positions.shape == (1, 2, 4, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dl.run("beale", "adam(lr=0.1)", starts=[(1.0, 1.0)], steps=3)


def test_every_optimizer_meets_the_same_noise_from_the_same_start():
    kwargs = dict(starts=[(1.0, 1.0), (-2.0, 0.5)], steps=20, noise=0.3, seed=7)
    alone = dl.run("bowl", ["sgd(lr=0.05)"], **kwargs)
    with_others = dl.run("bowl", ["adam(lr=0.1)", "sgd(lr=0.05)", "sgd(lr=0.05)"], **kwargs)
    np.testing.assert_array_equal(with_others.positions[1], alone.positions[0])
    np.testing.assert_array_equal(with_others.positions[2], alone.positions[0])
    fewer_starts = dl.run("bowl", ["sgd(lr=0.05)"], **kwargs | {"starts": [(1.0, 1.0)]})
    np.testing.assert_array_equal(fewer_starts.positions[0, 0], alone.positions[0, 0])


def test_a_plateau_schedule_follows_each_start_alone():
    kwargs = dict(starts=[(1, 1.5), (-3, 2), (0.5, 0.5)], steps=60,
                  scheduler="plateau(patience=2, factor=0.5)", dtype=torch.float64)  # fmt: skip
    together = dl.run("beale", "sgd(lr=0.01)", **kwargs)
    one_by_one = dl.run("beale", "sgd(lr=0.01)", vectorize=False, **kwargs)
    single = dl.run("beale", "sgd(lr=0.01)", **kwargs | {"starts": [(1, 1.5)]})
    np.testing.assert_allclose(together.positions, one_by_one.positions)
    np.testing.assert_allclose(together.positions[0, 0], single.positions[0, 0])


@pytest.mark.parametrize(
    ("scheduler", "message"),
    [
        ("step(step_size=0)", r"the scheduler fails at step 1"),
        ("onecycle(max_lr=0.1, total_steps=10)", r"the scheduler fails at step 11"),
        ("exponential(gamma=-1.0)", r"makes the learning rate -0.1 at step 1"),
        ("step(step_sizes=3)", r"scheduler step has no argument 'step_sizes' \(did you mean"),
        (123, r"a scheduler is a spec such as"),
    ],
)
def test_bad_schedules_fail_before_the_run(scheduler, message):
    with pytest.raises((ValueError, TypeError), match=message):
        dl.run("bowl", "sgd(lr=0.1)", steps=20, scheduler=scheduler)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(seed=1.5), ValueError, r"seed must be a whole number >= 0, got 1.5"),
        (dict(seed=2**70), ValueError, r"seed must be a whole number >= 0 and below 2\^63, got"),
        (dict(noise="0.1"), ValueError, r"noise must be a finite number >= 0, got '0.1'"),
        (dict(maximize="no"), TypeError, r"maximize must be True or False, got 'no'"),
        (dict(steps=10**12), ValueError, r"too much to record every point.*use sweep"),
        (dict(starts=[(float("nan"), 1.0)]), ValueError, r"starts must be finite"),
    ],
)
def test_arguments_are_checked_up_front(kwargs, error, message):
    with pytest.raises(error, match=message):
        dl.run("beale", "adam", **dict(steps=5) | kwargs)


def test_numpy_integers_and_tensors_are_fine():
    race = dl.run("beale", "adam(lr=0.1)", starts=torch.tensor([[1.0, 1.0]], requires_grad=True),
                  steps=np.int64(3), seed=np.int64(2))  # fmt: skip
    assert race.positions.shape == (1, 1, 4, 2)


def test_typed_and_custom_landscapes_come_back_from_files(tmp_path):
    typed = dl.landscapes.from_expression("x**4 + y**4", name="bowl", domain=(-2, 2), start=(1, 1))
    race = dl.run(typed, "sgd(lr=0.01)", steps=5)
    loaded = Race.load(race.save(tmp_path / "typed.npz"))
    assert loaded.landscape.formula == typed.formula and loaded.landscape.domain == typed.domain
    assert loaded.landscape.start == (1.0, 1.0)
    np.testing.assert_allclose(
        loaded.landscape(*torch.from_numpy(loaded.positions[0, 0].T)), loaded.losses[0, 0]
    )
    custom = dl.landscapes.Landscape(
        "custom", lambda x, y: x**2 + y**2, "f = x^2 + y^2", ((-1.0, 1.0), (-1.0, 1.0)), (0.5, 0.5)
    )
    path = dl.run(custom, "sgd(lr=0.1)", steps=3).save(tmp_path / "custom.csv")
    with pytest.raises(ValueError, match=r"'custom' was built in Python .*pass it as landscape="):
        Race.load(path)
    assert Race.load(path, landscape=custom).landscape is custom


def test_damaged_files_are_refused(tmp_path):
    race = dl.run("bowl", ["sgd(lr=0.1)", "adam(lr=0.1)"], starts=[(1, 1), (2, 2)], steps=9)
    path = race.save(tmp_path / "race.csv")
    lines = path.read_text().splitlines()
    (tmp_path / "short.csv").write_text("\n".join(lines[:-4]) + "\n")  # one step of rows lost
    with pytest.raises(ValueError, match=r"is not a readable race: it has 36 rows, not 2 x 2 x 10"):
        Race.load(tmp_path / "short.csv")
    npz = race.save(tmp_path / "race.npz")
    (tmp_path / "cut.npz").write_bytes(npz.read_bytes()[:200])
    with pytest.raises(ValueError, match="is not a descentlab result file"):
        Race.load(tmp_path / "cut.npz")
    np.save(tmp_path / "array.npy", np.zeros(3))
    (tmp_path / "array.npy").rename(tmp_path / "array.npz")
    with pytest.raises(ValueError, match="is not a descentlab result file"):
        Race.load(tmp_path / "array.npz")
    with pytest.raises(ValueError, match=r"the folder .*missing' does not exist"):
        race.save(tmp_path / "missing" / "race.csv")


def test_recorded_state_is_what_the_optimizer_held():
    race = dl.run("bowl", ["momentum(lr=0.1)", "adam(lr=0.1)", "sgd(lr=0.1)"],
                  starts=[(1.0, 2.0), (-3.0, 1.0)], steps=6, dtype=torch.float64,
                  record_state=True)  # fmt: skip
    assert set(race.states) == {"grad", "momentum_buffer", "exp_avg", "exp_avg_sq"}
    grad = race.states["grad"]
    np.testing.assert_allclose(grad[0, :, 0], [[2.0, 8.0], [-6.0, 4.0]])  # grad of x^2 + 2y^2
    np.testing.assert_allclose(grad[:, :, :-1, 0], 2 * race.positions[:, :, :-1, 0])
    buffer = race.states["momentum_buffer"][0, 0]
    assert np.isnan(buffer[0]).all()  # no state before the first step
    np.testing.assert_allclose(buffer[1], grad[0, 0, 0])  # b_1 = g_1
    np.testing.assert_allclose(buffer[2], 0.9 * buffer[1] + grad[0, 0, 1])
    assert (
        np.isnan(race.states["exp_avg"][0]).all() and np.isnan(race.states["grad"][:, :, -1]).all()
    )
    assert dl.run("bowl", "sgd(lr=0.1)", steps=2).states == {}


@pytest.mark.parametrize("spec", ["sgd(lr=1e39)", "sgd(weight_decay=1e39)",
                                  "rprop(step_sizes=(1e-6, 1e39))"])  # fmt: skip
def test_a_hyperparameter_beyond_float32_is_one_clear_error(spec):
    with pytest.raises(ValueError, match=r"too large for torch.float32 \(at most 3.4e\+38\)"):
        dl.run("beale", spec, steps=3)
    with pytest.raises(ValueError, match=r"too large for torch.float32"):
        dl.sweep("beale", spec, starts=[(1.0, 1.0)], steps=3)
    finite = dl.run("beale", spec, steps=3, dtype=torch.float64)  # float64 holds it
    assert finite.positions.shape == (1, 1, 4, 2)
