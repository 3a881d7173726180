"""The README: its tables are current, its picture is there, its commands exist."""

from __future__ import annotations

import runpy
import shlex
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from descentlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_the_tables_are_generated_from_the_registries() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "readme_tables.py"), run_name="tables")
    text = README.read_text(encoding="utf-8")
    assert script["render"](text) == text, "run python scripts/readme_tables.py"
    assert "| `adam` | `Adam` | lr=0.001, betas=(0.9, 0.999), eps=1e-08" in text
    assert "| `himmelblau` |" in text
    assert "| `digits` | classification | 15 | 32 | val_accuracy (0.95) |" in text


def test_the_picture_at_the_top_is_a_gif_from_the_demo() -> None:
    first = README.read_text(encoding="utf-8").split("\n## ")[0]
    assert "![" in first and "(docs/saddle.gif)" in first
    with Image.open(ROOT / "docs" / "saddle.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames > 50
    assert (ROOT / "docs" / "saddle.gif").stat().st_size < 1_000_000


def test_every_command_line_in_the_tour_is_accepted() -> None:
    text = README.read_text(encoding="utf-8")
    shell = [block.split("```")[0] for block in text.split("```sh\n")[1:]]
    lines = [line.split("  #")[0].strip() for block in shell for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("descentlab ")]
    assert len(commands) >= 6
    runner = CliRunner()
    for args in commands:  # each names a real command with options it knows
        result = runner.invoke(app, [args[0], "--help"])
        assert result.exit_code == 0, args
        for option in (a.split("=")[0] for a in args if a.startswith("--")):
            assert option in result.output, (args, option)
    assert "make demo" in text and "make test" in text and "10.24432/C5VW2C" in text
