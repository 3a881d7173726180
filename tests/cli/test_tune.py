"""`descentlab tune`: the report in its folder, a sidecar that resumes it, and one-line
refusals with exit code 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from descentlab.cli import app

runner = CliRunner()
TUNE = ["tune", "airfoil", "-o", "sgd", "-o", "adam(lr=log(1e-4, 1))", "--budget", "4",
        "--seeds", "2"]  # fmt: skip


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "2000"})


def test_a_study_writes_its_report_and_resumes_from_its_sidecar(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    result = invoke(*TUNE, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "airfoil: final train_loss, median [q1, q3] over seeds" in result.output
    assert "adam(lr=log(1e-4,1))" in result.output and "lr=" in result.output
    for name in ("results.csv", "trials.csv", "seeds.csv", "report.html"):
        assert (out / name).stat().st_size > 0, name
    for name in ("sensitivity.png", "seeds.png", "curves.png", "profile.png"):
        with Image.open(out / name) as image:
            assert image.width > 400 and image.height > 200, name
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 2 * (4 + 2) and set(trials.optimizer) == {"sgd", "adam(lr=log(1e-4,1))"}
    results = pd.read_csv(out / "results.csv")
    assert list(results.optimizer) == ["sgd", "adam(lr=log(1e-4,1))"]
    assert {"hp_lr", "final_median", "final_q1", "final_q3", "examples_to_target_median"} <= set(
        results.columns
    )
    sidecar = json.loads((tmp_path / "bench.json").read_text())
    assert sidecar["experiment"]["kind"] == "tune" and sidecar["experiment"]["budget"] == 4
    html = (out / "report.html").read_text()
    command = ("descentlab tune airfoil -o sgd -o &#x27;adam(lr=log(1e-4, 1))&#x27; --budget 4 "
               f"--seeds 2 --out {out}")  # fmt: skip
    assert command in html
    again = invoke("run", str(tmp_path / "bench.json"))
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_csv(out / "trials.csv"), trials)  # nothing reran


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "0"], r"error: budget must be >= 1, got 0"),
        (["-o", "adam(beta=log(0.1, 1))"],
         r"error: search space .*adam has no hyperparameter 'beta'"),
        (["--sampler", "random"], r"error: sampler must be one of 'qmc' or 'tpe', got 'random'"),
        (["--storage", "postgres//x"],
         r"error: study 'descentlab' in postgres//x: the storage must"),
        (["--storage", "postgresql://nobody@127.0.0.1:9/none"], r"error: study .* cannot open it"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("tune", "airfoil", "-o", "sgd", "--budget", "2", "--seeds", "1",
                    "--out", str(tmp_path / "o"), *args)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert re.search(message, result.output), result.output


def test_an_unknown_task_and_another_study_under_the_same_name(tmp_path: Path) -> None:
    result = invoke("tune", "airfoyl", "-o", "sgd", "--out", str(tmp_path / "o"))
    assert (
        result.exit_code == 2 and "unknown task 'airfoyl' (did you mean 'airfoil'" in result.output
    )
    out = str(tmp_path / "s")
    assert (
        invoke(
            "tune", "airfoil", "-o", "sgd", "--budget", "2", "--seeds", "1", "--out", out
        ).exit_code
        == 0
    )
    other = invoke("tune", "airfoil", "-o", "adam", "--budget", "2", "--seeds", "1", "--out", out)
    assert other.exit_code == 2 and len(other.output.strip().splitlines()) == 1
    assert "it holds spaces ['sgd'] (asked ['adam']); use another --study name" in other.output


def test_a_file_or_an_impossible_folder_is_one_line(tmp_path: Path) -> None:
    taken = tmp_path / "taken.json"
    taken.write_text("{}")
    for out, message in ((taken, "is a file; a study is kept in a folder"),
                         (taken / "inside", "is not a writable folder")):  # fmt: skip
        result = invoke("tune", "airfoil", "-o", "sgd", "--budget", "2", "--out", str(out))
        assert result.exit_code == 2 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1


def test_ctrl_c_says_how_to_resume_and_the_sidecar_resumes(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "cut"
    slow = ["tune", "digits", "-o", "sgd", "--budget", "3", "--seeds", "1"]  # seconds a trial
    command = [sys.executable, "-m", "descentlab", *slow, "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # until the study has begun (its sidecar is written first)
        if (tmp_path / "cut.json").exists() and (out / "study.journal").exists():
            break
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted; every finished trial is kept in" in err and "Traceback" not in err
    resumed = invoke("run", str(tmp_path / "cut.json"))
    assert resumed.exit_code == 0, resumed.output
    whole = tmp_path / "whole"
    assert invoke(*slow, "--out", str(whole)).exit_code == 0
    key = ["task", "optimizer", "phase", "trial", "seed", "state", "metric"]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "trials.csv")[key], pd.read_csv(whole / "trials.csv")[key]
    )
