"""Jobs too large for memory are refused up front, in one line, with what they need."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import descentlab as dl
from descentlab.engine import JobTooLarge, memory_limit, race_bytes, sweep_bytes
from descentlab.engine.memory import ENVIRONMENT, parse_bytes

# the modules (the package's names `run` and `sweep` are the functions)
race_module = importlib.import_module("descentlab.engine.race")
sweep_module = importlib.import_module("descentlab.engine.sweep")

LIMIT = 64 * 2**20


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, "64MiB")


def refuse_to_start(*args, **kwargs):
    raise AssertionError("the job started instead of being refused")


@pytest.mark.parametrize(
    ("text", "value"),
    [("100", 100), ("512MiB", 512 * 2**20), ("2GB", 2 * 10**9), ("1.5G", 3 * 2**29),
     (" 8 gib ", 8 * 2**30), ("64k", 65536), ("2e9", 2 * 10**9)],
)  # fmt: skip
def test_limits_are_read_with_units(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["lots", "-5", "0", "12 parsecs", "GB"])
def test_a_bad_limit_says_what_is_accepted(monkeypatch, text):
    monkeypatch.setenv(ENVIRONMENT, text)
    with pytest.raises(ValueError, match=rf"{ENVIRONMENT} must be a number of bytes"):
        memory_limit()


def test_the_default_limit_is_the_memory_available(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    limit = memory_limit()
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = next(
            int(line.split()[1]) * 1024
            for line in meminfo.read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        assert limit is not None and 0 < limit <= total
    monkeypatch.setenv(ENVIRONMENT, "off")
    assert memory_limit() is None


def test_a_sweep_too_large_is_refused_before_it_starts(small_limit, monkeypatch):
    monkeypatch.setattr(sweep_module, "run_plan", refuse_to_start)
    starts = dl.grid_starts("himmelblau", 32)  # 1,024 starts x 1,000 rates
    with pytest.raises(JobTooLarge) as caught:
        dl.sweep("himmelblau", "adam", grid={"lr": np.logspace(-3, 0, 1000)}, starts=starts)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.job == "sweep" and error.limit == LIMIT and error.needed > LIMIT
    # a million trajectories keep ~70 bytes each in the frame alone
    assert error.needed > 1_024_000 * 70
    assert "1,024,000 trajectories" in error.detail and "fewer starts" in error.hint
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"this sweep needs about {error.needed / 2**20:.1f} MiB")
    assert "but DESCENTLAB_MEMORY_LIMIT allows 64.0 MiB; use fewer starts or settings" in message
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == message and again.needed == error.needed


def test_a_race_too_large_is_refused_before_it_starts(small_limit, monkeypatch):
    monkeypatch.setattr(race_module, "build_engine", refuse_to_start)
    with pytest.raises(JobTooLarge) as caught:
        dl.run("himmelblau", ["adam", "sgd"] * 2, starts=dl.grid_starts("himmelblau", 10),
               steps=20_000)  # fmt: skip
    error = caught.value
    # 4 x 100 trajectories x 20,001 points x (x, y, loss) in float32: 96 MB kept at the end
    kept = 4 * 100 * 20_001 * 3 * 4
    assert error.job == "race" and error.limit == LIMIT and kept <= error.needed <= 3 * kept
    assert "fewer steps" in error.hint and "sweep()" in error.hint
    assert "4 optimizer(s) x 100 start(s) x 20,001 recorded steps" in str(error)


def test_a_grid_of_starts_too_large_is_refused(small_limit):
    with pytest.raises(JobTooLarge, match=r"3,000 x 3,000 = 9,000,000 points") as caught:
        dl.grid_starts("himmelblau", 3000)
    assert caught.value.needed == 9_000_000 * 2 * 8 and caught.value.job == "grid of starts"


def test_jobs_that_fit_still_run_under_the_same_limit(small_limit):
    starts = dl.grid_starts("himmelblau", 20)
    sw = dl.sweep("himmelblau", "adam", grid={"lr": [0.01, 0.1]}, starts=starts, steps=20)
    assert len(sw.frame) == 800
    r = dl.run("himmelblau", ["adam", "sgd(lr=0.01)"], starts=starts[:10], steps=100)
    assert r.positions.shape == (2, 10, 101, 2)


def test_the_sweep_estimate_is_near_what_the_result_holds():
    starts = dl.grid_starts("himmelblau", 60)
    grid = {"lr": [0.01, 0.1, 0.3], "betas": [(0.9, 0.999), (0.8, 0.99)]}
    sw = dl.sweep("himmelblau", "adam", grid=grid, starts=starts, steps=5, chunk=2048)
    held = sw.frame.memory_usage(deep=True).sum() + sw.starts.nbytes
    estimate = sweep_bytes(6, len(starts), 2, torch.float32, hyperparameters=3, chunk=2048)
    # the estimate is a peak: the frame, plus the chunk summaries held again while they
    # are joined and one chunk's working buffers, so between 1 and 3 times what is kept
    assert held < estimate < 3 * held


def test_the_race_estimate_is_near_what_the_result_holds():
    r = dl.run("himmelblau", ["adam", "sgd(lr=0.01)", "rmsprop"],
               starts=dl.grid_starts("himmelblau", 8), steps=200)  # fmt: skip
    held = r.positions.nbytes + r.losses.nbytes
    estimate = race_bytes(3, 64, 200, 2, torch.float32)
    # the torch record and the arrays the race keeps overlap at the end: twice the result
    assert 1.9 * held < estimate < 2.2 * held
