"""The example scripts run and write the pictures they promise."""

from __future__ import annotations

import runpy
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

EXAMPLES = Path(__file__).parents[2] / "examples"


def run_example(name: str, out: Path) -> list[Path]:
    module = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example")
    return module["main"](out)


def check(path: Path) -> None:
    assert path.exists() and path.stat().st_size > 1000, path
    if path.suffix in (".png", ".gif"):
        with Image.open(path) as image:
            assert image.size[0] >= 600
    if path.suffix == ".mp4":
        frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
        assert frames == 131  # 101, and a 1.5 s hold on the last frame at 20 fps


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("textbook_traces", ["textbook-1d.png", "textbook-2d.png", "momentum-weights.png"]),
        ("beale_race", ["beale-race.gif", "beale-race.png", "beale-loss.png"]),
        ("new_optimizers", [
            "muon-normalised.png", "lbfgs-line-search.png", "prodigy-step-size.png",
        ]),
        ("saddle_animation", [
            "saddle-surface.gif", "saddle-surface.mp4", "saddle-top.gif", "saddle-top.mp4",
            "saddle-both.gif", "saddle-both.mp4", "saddle-interactive.html",
        ]),
    ],
)  # fmt: skip
def test_example_writes_its_pictures(tmp_path, name, files):
    written = run_example(name, tmp_path)
    assert sorted(p.name for p in written) == sorted(files)
    for path in written:
        check(path)
