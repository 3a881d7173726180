"""Ctrl-C during `descentlab train --checkpoint`, then the same command with --resume:
the interrupted run finishes, the one that never began starts, and the figure is written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

import descentlab as dl


def executable() -> str:
    return str(Path(sys.executable).with_name("descentlab"))


def test_an_interrupted_comparison_resumes_where_it_stopped(tmp_path: Path) -> None:
    ck = tmp_path / "ck"
    command = [executable(), "train", "digits", "-o", "adam(lr=0.001)", "-o", "sgd(lr=0.1)",
               "--epochs", "3", "--batch-size", "128", "--checkpoint", str(ck)]  # fmt: skip
    env = {**os.environ, "COLUMNS": "200"}
    first = subprocess.Popen(
        [*command, "--out", str(tmp_path / "first.png")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 300  # a guard against a hang, not a timing
    while not list(ck.glob("digits-adam*.pt")) and first.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint was ever written"
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)  # while adam trains its later epochs
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "run the same command with --resume to continue" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "first.png").exists()
    assert [p.name for p in ck.iterdir()] == [p.name for p in ck.glob("digits-adam*.pt")]

    done = subprocess.run(
        [*command, "--resume", "--out", str(tmp_path / "curves.png"),
         "--out", str(tmp_path / "curves.csv")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    assert "adam(lr=0.001)" in done.stdout and "sgd(lr=0.1)" in done.stdout  # the summary
    resumed = dl.Training.load(tmp_path / "curves.csv")
    straight = dl.compare("digits", ["adam(lr=0.001)", "sgd(lr=0.1)"], 3, 128)
    for ours, theirs in zip(resumed, straight, strict=True):
        pd.testing.assert_frame_equal(
            ours.curve.drop(columns="seconds"), theirs.curve.drop(columns="seconds")
        )
    assert sorted(p.name.split("-")[1] for p in ck.glob("*.pt")) == ["adam", "sgd"]
