"""Compiled races: each optimizer's steps, divergence test and record as one kernel must
record the paths the eager race records, and fall back to it where it cannot apply."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import descentlab as dl
from descentlab.engine import compiled

SPECS = ["adam(lr=0.1)", "momentum(lr=1e-3)", "sgd(lr=0.1)"]  # sgd(lr=0.1) diverges on Beale
STARTS = [(1.0, 1.5), (-2.0, 2.0), (3.0, -0.5)]


def test_a_compiled_race_records_the_eager_paths():
    steps = 33  # one eager step, three calls of ten, two eager steps left over
    eager = dl.run("beale", SPECS, starts=STARTS, steps=steps, compile=False)
    fast = dl.run("beale", SPECS, starts=STARTS, steps=steps, compile=True)
    diverged = eager.summary()["diverged"]
    assert diverged.any() and not diverged.all()
    np.testing.assert_allclose(fast.positions, eager.positions, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fast.losses, eager.losses, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(fast.diverged_at, eager.diverged_at)


def test_climbing_and_progress_compile_alike():
    heard = []
    eager = dl.run("x**2 - y**2", ["adam(lr=0.05)"], starts=[(0.5, 0.1)], steps=25,
                   maximize=True, compile=False)  # fmt: skip
    fast = dl.run("x**2 - y**2", ["adam(lr=0.05)"], starts=[(0.5, 0.1)], steps=25,
                  maximize=True, compile=True, on_progress=lambda *a: heard.append(a))  # fmt: skip
    np.testing.assert_allclose(fast.positions, eager.positions, rtol=1e-5, atol=1e-6)
    assert heard[-1][1:] == (25, 25) and all(b[1] > a[1] for a, b in itertools.pairwise(heard))


def test_a_race_compiles_only_when_asked():
    compiled.clear()
    race = dl.run("beale", ["adam(lr=0.1)"], starts=[(1.0, 1.5)], steps=21)
    assert not compiled._CACHE
    fast = dl.run("beale", ["adam(lr=0.1)"], starts=[(1.0, 1.5)], steps=21, compile=True)
    kept = set(compiled._CACHE)
    assert len(kept) == 1  # one kernel: one optimizer
    again = dl.run("beale", ["adam(lr=0.1)"], starts=[(1.0, 1.5)], steps=21)
    np.testing.assert_array_equal(again.positions, race.positions)  # eager: bit for bit
    np.testing.assert_allclose(fast.positions, race.positions, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(noise=0.1),
        dict(record_state=True),
        dict(scheduler="step(step_size=5)"),
        dict(optimizers=["adam(lr=0.1)", "lbfgs"]),
    ],
)
def test_what_cannot_compile_runs_eagerly(kwargs, monkeypatch):
    def refuse(*args: object) -> None:
        raise AssertionError("compiled")

    monkeypatch.setattr("descentlab.engine.recording.step_compiled", refuse)
    optimizers = kwargs.pop("optimizers", ["adam(lr=0.1)"])
    race = dl.run("beale", optimizers, starts=[(1.0, 1.5)], steps=12, compile=True, **kwargs)
    assert race.positions.shape[2] == 13


def test_compile_must_be_a_switch():
    with pytest.raises(TypeError, match="compile must be True or False, got 'yes'"):
        dl.run("beale", "adam", compile="yes")
