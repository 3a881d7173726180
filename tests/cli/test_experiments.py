"""Experiment files and sidecars: `descentlab run` reproduces an output exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import descentlab as dl
from descentlab.cli import app

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_toml_experiment_runs_with_outputs_beside_it(tmp_path: Path) -> None:
    (tmp_path / "beale.toml").write_text(
        'kind = "race"\n'
        'landscape = "beale"\n'
        'optimizers = ["adam(lr=0.1)", "rmsprop(lr=0.01)"]\n'
        "starts = [[1.0, 1.5], [-2.0, 2.0]]\n"
        "steps = 60\n"
        "noise = 0.05\n"
        "seed = 7\n"
        'dtype = "float64"\n'
        'out = ["results/beale.csv", "results/beale.png"]\n'
    )
    invoke("run", str(tmp_path / "beale.toml"))
    race = dl.Race.load(tmp_path / "results" / "beale.csv")
    expected = dl.run("beale", ["adam(lr=0.1)", "rmsprop(lr=0.01)"], starts=[(1, 1.5), (-2, 2)],
                      steps=60, noise=0.05, seed=7, dtype=torch.float64)  # fmt: skip
    np.testing.assert_array_equal(race.positions, expected.positions)
    assert race.positions.dtype == np.float64
    assert (tmp_path / "results" / "beale.png.json").exists()


@pytest.mark.parametrize("table", ["r.csv", "r.parquet"])
def test_a_sidecar_reproduces_its_output(tmp_path: Path, table: str) -> None:
    first = tmp_path / table
    invoke("race", "himmelblau", "-o", "adam(lr=0.05)", "-o", "nesterov(lr=0.01)",
           "--start", "0,0", "--start", "-1,2", "--steps", "50", "--noise", "0.3",
           "--seed", "11", "--out", str(first))  # fmt: skip
    again = tmp_path / "again" / table
    invoke("run", str(first) + ".json", "--out", str(again))
    one, two = dl.Race.load(first), dl.Race.load(again)
    np.testing.assert_array_equal(one.positions, two.positions)
    np.testing.assert_array_equal(one.losses, two.losses)
    record = json.loads(Path(str(again) + ".json").read_text())
    assert record["experiment"]["noise"] == 0.3 and record["experiment"]["seed"] == 11


def test_a_sidecar_runs_in_place_and_for_sweeps_and_training(tmp_path: Path) -> None:
    sweep_out = tmp_path / "sweep.csv"
    invoke("sweep", "rosenbrock", "-o", "adam", "--grid", "lr=0.01,0.1", "--grid",
           "betas=(0.9,0.999),(0.8,0.99)", "--starts", "3", "--steps", "30",
           "--out", str(sweep_out))  # fmt: skip
    before = pd.read_csv(sweep_out, comment="#")
    assert len(before) == 2 * 2 * 9
    betas = set(zip(before["betas[0]"], before["betas[1]"], strict=True))
    assert betas == {(0.9, 0.999), (0.8, 0.99)}
    sweep_out.unlink()
    invoke("run", str(sweep_out) + ".json")  # writes beside the sidecar again
    pd.testing.assert_frame_equal(pd.read_csv(sweep_out, comment="#"), before)

    train_out = tmp_path / "train.csv"
    invoke("train", "airfoil", "-o", "adagrad(lr=0.1)", "--epochs", "1", "--batch-size", "30",
           "--scheduler", "exponential(gamma=0.5)", "--out", str(train_out))  # fmt: skip
    invoke("run", str(train_out) + ".json", "--out", str(tmp_path / "train2.csv"))
    first = dl.Training.load(train_out)[0].curve.drop(columns="seconds")
    second = dl.Training.load(tmp_path / "train2.csv")[0].curve.drop(columns="seconds")
    pd.testing.assert_frame_equal(first, second)
    assert first["examples"].tolist()[-1] == 1500


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "race"\nlandscape = "beale"\noptimizers = ["adam"]\nout = "x.csv"\nstep = 5\n',
         r"a race has no setting 'step' \(did you mean 'steps'\?\)"),
        ('kind = "racing"\n', r"kind must be one of race, sweep, train, ema, tune, got 'racing'"),
        ('kind = "race"\nlandscape = "beale"\nout = "x.csv"\n', r"a race needs 'optimizers'"),
        ('kind = "race"\nlandscape = "beale"\noptimizers = "adam"\nout = "x.csv"\nseed = -1\n',
         r"bad.toml: seed must be >= 0, got -1"),
        ('kind = "sweep"\nlandscape = "beale"\noptimizers = ["adam"]\nout = "x.csv"\n'
         'grid = {lr = "1:2"}\n', r"malformed grid 'lr=1:2'"),
        ('kind = "race"\nlandscape = \n', r"Invalid value"),
    ],
)  # fmt: skip
def test_a_bad_experiment_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.toml").write_text(text)
    result = runner.invoke(app, ["run", str(tmp_path / "bad.toml")], env={"COLUMNS": "2000"})
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error:")
    assert re.search(message, result.output), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
