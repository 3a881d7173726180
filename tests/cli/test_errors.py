"""User mistakes: exit code 2 and one line saying what was wrong and what is allowed,
through Typer's runner and through the installed executable; nothing is written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

import descentlab
from descentlab.cli import app

from .test_list import executable

runner = CliRunner()
RACE = ["race", "beale", "-o", "adam(lr=0.1)", "--steps", "5"]

# (arguments, what the one line must say); {tmp} is a fresh folder
MISTAKES = [
    (["race", "beale", "-o", "adamm(lr=0.1)", "--out", "{tmp}/r.csv"],
     r"error: unknown optimizer 'adamm' \(did you mean 'adam'.*available: sgd, momentum"),
    (["race", "beal", "-o", "adam", "--out", "{tmp}/r.csv"],
     r"error: unknown landscape 'beal' \(did you mean 'beale'"),
    (["race", "beale", "-o", "adam(lr=)", "--out", "{tmp}/r.csv"],
     r"error: malformed optimizer spec 'adam\(lr=\)'"),
    (["race", "beale", "-o", "adam(lr=-1)", "--out", "{tmp}/r.csv"], r"error: .*lr"),
    (["race", "beale", "-o", "sgd(lr=1e39)", "--out", "{tmp}/r.csv"],
     r"error: SGD: a hyperparameter is too large for torch.float32 \(at most 3.4e\+38\)"),
    (["race", "beale", "-o", "adam(learning_rate=0.1)", "--out", "{tmp}/r.csv"],
     r"error: adam has no hyperparameter 'learning_rate'.*accepted: lr"),
    (["race", "x**2 +* y", "-o", "adam", "--out", "{tmp}/r.csv"], r"error: .*x\*\*2 \+\* y"),
    (["race", "x^2 + y^2", "-o", "adam", "--out", "{tmp}/r.csv"], r"error: .*x\*\*2"),
    ([*RACE, "--start", "1;2", "--out", "{tmp}/r.csv"], r"error: malformed start '1;2'"),
    ([*RACE, "--start", "1,2,3", "--out", "{tmp}/r.csv"],
     r"error: start 0: \(1.0, 2.0, 3.0\) has 3 coordinates; beale takes 2"),
    ([*RACE, "--out", "{tmp}/r.jpg"],
     r"error: cannot write '.*r\.jpg': a race is written as \.gif, \.mp4, \.html, \.png"),
    ([*RACE, "--out", "{tmp}/file.txt/r.csv"],
     r"error: '.*r\.csv' cannot be written: '.*file\.txt' is not a writable folder"),
    ([*RACE, "--view", "sideways", "--out", "{tmp}/r.gif"],
     r"error: view must be one of 'contour', 'surface' or 'both', got 'sideways'"),
    ([*RACE, "--xlim", "3,1", "--out", "{tmp}/r.gif"],
     r"error: xlim must be LOW,HIGH with LOW under HIGH, got 3,1"),
    ([*RACE, "--ylim", "0", "--out", "{tmp}/r.png"],
     r"error: malformed --ylim '0'; write it as LOW,HIGH such as -1,2"),
    ([*RACE, "--ylim", "0,inf", "--out", "{tmp}/r.png"],
     r"error: ylim\[1\] must be a finite number, got inf"),
    ([*RACE, "--xlim", "5,6", "--out", "{tmp}/r.png"],
     r"error: xlim \(5, 6\) shows none of the domain, which spans -4.5 to 4.5"),
    ([*RACE, "--size", "640-480", "--out", "{tmp}/r.gif"],
     r"error: malformed --size '640-480'; write it as WIDTHxHEIGHT such as 1200x900"),
    ([*RACE, "--size", "641x480", "--out", "{tmp}/r.gif"],
     r"error: size must be even numbers of pixels from 160 x 120 to 3840 x 2160, got 641 x 480"),
    ([*RACE, "--dpi", "5", "--out", "{tmp}/r.gif"], r"error: dpi must be >= 20, got 5"),
    ([*RACE, "--look", "shiny", "--out", "{tmp}/r.gif"],
     r"error: look must be one of 'mesh' or 'lit', got 'shiny'"),
    ([*RACE, "--duration", "0", "--out", "{tmp}/r.gif"], r"error: duration must be > 0, got 0"),
    ([*RACE, "--steps", "abc", "--out", "{tmp}/r.csv"],
     r"error: Invalid value for '--steps': Input should be a valid integer"),
    (["race", "beale", "--out", "{tmp}/r.csv"], r"error: Missing option '-o' / '--optimizer'"),
    (["race", "parabola", "-o", "sgd", "--out", "{tmp}/r.gif"],
     r"error: animations need a 2-D landscape; parabola has 1 coordinate"),
    (["sweep", "himmelblau", "-o", "sgd", "--grid", "lr=1e-3:1", "--out", "{tmp}/s.csv"],
     r"error: malformed grid 'lr=1e-3:1'; expected name=start:stop:count"),
    (["sweep", "himmelblau", "-o", "sgd", "--grid", "lr=0:1:5:log", "--out", "{tmp}/s.csv"],
     r"error: malformed grid 'lr=0:1:5:log': a log range needs positive ends"),
    (["sweep", "himmelblau", "-o", "sgd", "--grid", "lr", "--out", "{tmp}/s.csv"],
     r"error: malformed grid 'lr'"),
    (["sweep", "himmelblau", "-o", "sgd", "--grid", "momentun=0.5,0.9", "--out", "{tmp}/s.csv"],
     r"error: .*momentun.*momentum"),
    (["sweep", "himmelblau", "-o", "sgd", "--plot", "heatmap", "--grid", "lr=0.1,0.2",
      "--out", "{tmp}/s.png"], r"error: a heatmap needs one optimizer and exactly two --grid"),
    (["sweep", "himmelblau", "-o", "sgd", "--out", "{tmp}/s.gif"],
     r"error: cannot write '.*s\.gif': a sweep is written as \.png, \.svg, \.pdf, \.csv"),
    (["train", "airfol", "-o", "sgd", "--out", "{tmp}/t.csv"],
     r"error: unknown task 'airfol' \(did you mean 'airfoil'\?\); available: airfoil, digits"),
    (["train", "airfoil", "-o", "sgd", "--scheduler", "stepp(step_size=1)", "--out",
      "{tmp}/t.csv"], r"error: unknown scheduler 'stepp' \(did you mean 'step'"),
    (["train", "airfoil", "-o", "sgd", "--resume", "--out", "{tmp}/t.csv"],
     r"error: resume needs the checkpoint folder"),
    (["run", "{tmp}/missing.toml"], r"error: '.*missing\.toml' does not exist: give a \.toml"),
    (["list", "gradients"], r"error: .*'gradients' is not one of 'optimizers', 'landscapes'"),
]  # fmt: skip


def _fill(args: list[str], folder: Path) -> list[str]:
    return [a.replace("{tmp}", str(folder)) for a in args]


def _prepare(folder: Path) -> None:
    (folder / "file.txt").write_text("a file, not a folder")


@pytest.mark.parametrize(("args", "message"), MISTAKES)
def test_mistakes_through_the_runner(tmp_path: Path, args: list[str], message: str) -> None:
    _prepare(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, _fill(args, tmp_path), env={"COLUMNS": "2000"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    if result.output.startswith("error:"):  # ours: exactly one line
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert re.search(message, result.output)
    else:  # Typer's own usage errors, which the runner shows in a box
        assert re.search(message.removeprefix("error: "), " ".join(result.output.split()))
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


@pytest.fixture(scope="module")
def executable_runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, object]]:
    """Every mistake run through the installed executable, four processes at a time
    (each one starts Python and torch)."""

    def attempt(args: list[str]) -> tuple[Path, subprocess.CompletedProcess]:
        folder = tmp_path_factory.mktemp("mistake")
        _prepare(folder)
        command = [executable(), *_fill(args, folder)]
        environment = {**os.environ, "COLUMNS": "2000"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env=environment)  # fmt: skip
        return folder, done

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(attempt, [args for args, _ in MISTAKES]))


@pytest.mark.parametrize("case", range(len(MISTAKES)))
def test_mistakes_through_the_executable(executable_runs: list, case: int) -> None:
    folder, done = executable_runs[case]
    message = MISTAKES[case][1]
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.search(message, lines[0]), lines[0]
    assert sorted(p.name for p in folder.iterdir()) == ["file.txt"]  # nothing written


def test_a_damaged_shipped_dataset(tmp_path: Path) -> None:
    # a copy of the package whose shipped airfoil file lost a digit, found first on the path
    copy = tmp_path / "site" / "descentlab"
    shutil.copytree(Path(descentlab.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    data = copy / "train" / "data" / "airfoil_self_noise.dat"
    data.write_bytes(data.read_bytes().replace(b"126.201", b"126.21", 1))
    env = {**os.environ, "PYTHONPATH": str(copy.parent), "COLUMNS": "2000"}
    done = subprocess.run(
        [sys.executable, "-m", "descentlab", "train", "airfoil", "-o", "sgd",
         "--out", str(tmp_path / "t.csv")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error: the copy of airfoil_self_noise.dat shipped with descentlab is damaged "
        f"({data} has sha256 "
    )
    assert done.stderr.rstrip().endswith("); reinstall descentlab")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t.csv").exists()


def test_a_start_outside_the_domain_is_a_warning(tmp_path: Path) -> None:
    done = subprocess.run(
        [executable(), *RACE, "--start", "9,9", "--out", str(tmp_path / "r.csv")],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "2000"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        "warning: 1 start(s) lie outside the domain of beale [(-4.5, 4.5), (-4.5, 4.5)], "
        "e.g. (9.0, 9.0)"
    )
    assert (tmp_path / "r.csv").exists()


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "descentlab", "--version"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("descentlab ")
