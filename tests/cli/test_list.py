"""The command line, through Typer's runner and as the installed executable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from descentlab import __version__, optim
from descentlab.cli import app

runner = CliRunner()


def executable() -> str:
    found = Path(sys.executable).with_name("descentlab")
    if found.exists():
        return str(found)
    on_path = shutil.which("descentlab")
    assert on_path, "the descentlab console script is installed with the package"
    return on_path


def test_list_optimizers_shows_every_name_and_its_defaults():
    result = runner.invoke(app, ["list", "optimizers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in optim.available():
        assert f" {name} " in result.output
    assert "lr=0.001, betas=(0.9, 0.999), eps=1e-08" in result.output  # adam's defaults
    assert "line_search_fn=None" in result.output and "growth_rate=inf" in result.output
    assert "adjust_lr_fn='match_rms_adamw'" in result.output  # as a spec writes it
    lines = {line.split()[1]: line for line in result.output.splitlines() if line.count("│") > 3}
    assert "one start at a time" in lines["lbfgs"] and "all starts at once" in lines["adam"]


def test_list_optimizers_with_formulas():
    result = runner.invoke(app, ["list", "optimizers", "--formulas"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "Chen et al. 2023" in result.output
    assert "\\beta_1 m_{t-1}" in result.output


def test_list_landscapes_shows_domains_and_minima():
    result = runner.invoke(app, ["list", "landscapes"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for name in ("cs231n-saddle", "himmelblau", "six-hump-camel", "bukin6"):
        assert name in result.output
    assert "(3, 0.5) -> 0" in result.output  # beale's minimum
    assert "[-4.5, 4.5] x [-4.5, 4.5]" in result.output
    formulas = runner.invoke(app, ["list", "landscapes", "--formulas"], env={"COLUMNS": "300"})
    assert "(1 - x)^2 + 100\\,(y - x^2)^2" in formulas.output


def test_unknown_catalog_is_a_user_error():
    result = runner.invoke(app, ["list", "optimisers"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_installed_executable_lists_and_reports_errors():
    done = subprocess.run(
        [executable(), "list", "optimizers"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "nesterov" in done.stdout and "lion" in done.stdout

    done = subprocess.run(
        [executable(), "list", "gradients"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "'gradients' is not one of" in done.stderr


@pytest.mark.parametrize("flag", ["--version"])
def test_version(flag):
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0
    assert result.output.strip() == f"descentlab {__version__}"
