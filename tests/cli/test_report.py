"""After a job the command line prints its summary: who ended where, read from the
result; a job longer than a second shows a progress bar on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import descentlab as dl
from descentlab.cli import app

runner = CliRunner()


def output_of(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.output


def row(output: str, first: str) -> list[str]:
    lines = [line.split() for line in output.splitlines() if line.strip().startswith(first)]
    assert len(lines) == 1, output
    return lines[0]


def test_a_race_prints_where_each_optimizer_ended(tmp_path: Path) -> None:
    specs = ["adam(lr=0.1)", "sgd(lr=1e-3)", "sgd(lr=1)"]
    options = [word for spec in specs for word in ("-o", spec)]
    out = output_of("race", "beale", *options, "--start", "1,1.5", "--steps", "300",
                    "--out", str(tmp_path / "r.csv"))  # fmt: skip
    race = dl.run("beale", specs, starts=[(1.0, 1.5)], steps=300)
    adam = row(out, "adam(lr=0.1)")
    x, y = race.positions[0, 0, -1]
    assert adam[1:5] == ["(1,", "1.5)", f"({x:.3g},", f"{y:.3g})"]
    assert float(adam[5]) == float(f"{race.losses[0, 0, -1]:.3g}")
    reached = int(np.argmax(race.losses[0, 0] <= race.landscape.min_value + 1e-3))
    assert int(adam[7]) == reached  # the first step within 1e-3 of Beale's minimum 0
    sgd = row(out, "sgd(lr=0.001)")
    assert float(sgd[5]) == float(f"{race.losses[1, 0, -1]:.3g}") and sgd[7] == "–"
    diverged = row(out, "sgd(lr=1)")
    assert diverged[-2:] == ["at", str(race.diverged_at[2, 0])]
    assert out.index("adam(lr=0.1)") < out.index("sgd(lr=0.001)") < out.index("sgd(lr=1)")
    assert f"wrote {tmp_path / 'r.csv'}" in out


def test_a_sweep_prints_each_setting_best_first(tmp_path: Path) -> None:
    out = output_of("sweep", "himmelblau", "-o", "adam", "--grid", "lr=0.01,0.3", "--starts",
                    "20", "--steps", "200", "--out", str(tmp_path / "s.csv"))  # fmt: skip
    frame = dl.sweep("himmelblau", "adam", grid={"lr": [0.01, 0.3]},
                     starts=dl.grid_starts("himmelblau", 20), steps=200).to_frame()  # fmt: skip
    reached = frame.groupby("lr")["final_loss"].apply(lambda v: float((v <= 1e-3).mean()))
    assert "sweep of adam on himmelblau" in out
    fast, slow = row(out, "0.3"), row(out, "0.01")
    assert fast[1] == slow[1] == "400"  # starts per setting
    assert fast[2] == f"{reached[0.3]:.1%}" and slow[2] == f"{reached[0.01]:.1%}"
    assert reached[0.3] > reached[0.01] and out.index(" 0.3 ") < out.index(" 0.01 ")


def test_training_prints_final_losses_and_accuracy(tmp_path: Path) -> None:
    out = output_of("train", "digits", "-o", "adam(lr=0.001)", "--epochs", "1",
                    "--out", str(tmp_path / "d.csv"))  # fmt: skip
    curve = dl.Training.load(tmp_path / "d.csv")[0].curve
    adam = row(out, "adam(lr=0.001)")
    assert adam[1] == "1"  # epochs
    assert float(adam[2]) == float(f"{curve['train_loss'].iloc[-1]:.3g}")
    assert adam[5] == f"{curve['val_accuracy'].iloc[-1]:.1%}"


def sweep_with_stderr_on(terminal: bool, tmp_path: Path) -> str:
    command = [str(Path(sys.executable).with_name("descentlab")), "sweep", "himmelblau",
               "-o", "adam", "--starts", "400", "--steps", "3000",
               "--out", str(tmp_path / "s.csv")]  # fmt: skip
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        seen = b""
        while True:
            try:
                block = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not block:
                break
            seen += block
        assert process.wait(timeout=600) == 0
    os.close(leader)
    return seen.decode(errors="replace")


def test_progress_shows_on_a_terminal_and_never_in_a_pipe(tmp_path: Path) -> None:
    # 160,000 trajectories x 3000 steps: several seconds, past the bar's one-second delay
    shown = sweep_with_stderr_on(True, tmp_path)
    assert "sweep adam" in shown and "3000/3000" in shown.replace(" ", "")
    assert sweep_with_stderr_on(False, tmp_path) == ""
