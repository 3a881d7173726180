"""Several sweeps as one result: stacked rows, summaries, a file and a short repr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import descentlab as dl
from descentlab.engine import Sweeps
from descentlab.engine.storage import load_frame


@pytest.fixture(scope="module")
def sweeps() -> Sweeps:
    starts = dl.grid_starts("himmelblau", 3)
    return Sweeps(
        dl.sweep("himmelblau", spec, grid={"lr": [0.01, 0.1]}, starts=starts, steps=20)
        for spec in ("sgd", "adam")
    )


def test_a_sequence_of_its_sweeps(sweeps):
    assert len(sweeps) == 2 and [s.spec for s in sweeps] == ["sgd", "adam"]
    assert sweeps[1].spec == "adam" and sweeps.specs == ["sgd", "adam"]
    assert sweeps.landscape.name == "himmelblau"


def test_to_frame_stacks_rows_under_the_optimizer(sweeps):
    frame = sweeps.to_frame()
    assert frame.columns[0] == "optimizer" and len(frame) == 2 * 2 * 9
    for sweep in sweeps:
        ours = frame[frame.optimizer == sweep.spec].drop(columns="optimizer")
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), sweep.to_frame())


def test_summary_is_each_summary_in_turn(sweeps):
    expected = pd.concat([s.summary() for s in sweeps], ignore_index=True)
    pd.testing.assert_frame_equal(sweeps.summary(), expected)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".npz"])
def test_save_writes_the_stacked_rows(sweeps, tmp_path, suffix):
    path = sweeps.save(tmp_path / f"s{suffix}")
    frame, meta = load_frame(path)
    assert meta["kind"] == "sweep-table" and meta["specs"] == ["sgd", "adam"]
    assert meta["grid"] == {"lr": ["0.01", "0.1"]}
    assert meta["landscape"] == dl.landscapes.describe(sweeps.landscape)
    pd.testing.assert_frame_equal(frame, sweeps.to_frame(), check_dtype=False)


def test_repr_names_every_sweep(sweeps):
    lines = repr(sweeps).splitlines()
    assert lines[0] == "Sweeps on himmelblau: 2 sweeps (sgd, adam)"
    assert lines[1] == "  " + repr(sweeps[0]).splitlines()[0]
    assert any(line.startswith("  Sweep of adam") for line in lines)


def test_refuses_nothing_and_mixed_landscapes():
    with pytest.raises(TypeError, match="one Sweep or more"):
        Sweeps([])
    a = dl.sweep("himmelblau", "sgd", starts=[(1.0, 1.0)], steps=2)
    b = dl.sweep("bowl", "sgd", starts=[(1.0, 1.0)], steps=2)
    with pytest.raises(ValueError, match="share one landscape"):
        Sweeps([a, b])
    assert np.array_equal(Sweeps([a])[0].starts, a.starts)
