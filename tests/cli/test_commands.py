"""race, sweep and train from the command line: every format is written, read back and
equal to what the library computes; every output has its sidecar."""

from __future__ import annotations

import json
import re
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import descentlab as dl
from descentlab.cli import app
from descentlab.engine.storage import load_frame

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def sidecar(path: Path) -> dict:
    record = json.loads(path.with_name(path.name + ".json").read_text())
    assert record["versions"]["torch"] == torch.__version__
    assert record["experiment"]["out"] == [path.name]
    return record


def test_race_writes_every_format(tmp_path: Path) -> None:
    names = ["r.gif", "r.mp4", "r.html", "r.png", "r.svg", "r.pdf", "r.csv", "r.parquet"]
    args = ["race", "beale", "-o", "adam(lr=0.1)", "-o", "sgd(lr=1e-3)", "--start", "1,1.5",
            "--start", "-1,-1", "--steps", "40", "--fps", "10"]  # fmt: skip
    for name in names:
        args += ["--out", str(tmp_path / name)]
    output = invoke(*args)
    for name in names:
        path = tmp_path / name
        assert f"wrote {path}" in output and path.stat().st_size > 500, name
        record = sidecar(path)
        assert record["experiment"]["starts"] == [[1.0, 1.5], [-1.0, -1.0]]
        assert record["experiment"]["seed"] == 0
    with Image.open(tmp_path / "r.gif") as gif:
        assert gif.n_frames == 41  # the start and 40 steps
    # the start, 40 steps, and 1.5 s of hold on the last frame at 10 fps
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "r.mp4"))[0] == 56
    page = (tmp_path / "r.html").read_text()
    assert "Plotly.newPlot" in page and 'id="plotly-js"' in page  # plotly.js is inside, compressed
    assert not re.search(r"<script[^>]+src=[\"']https?:", page)  # nothing from the web
    with Image.open(tmp_path / "r.png") as png:
        assert png.format == "PNG" and png.size[0] > 1000
    assert (tmp_path / "r.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    expected = dl.run("beale", ["adam(lr=0.1)", "sgd(lr=1e-3)"], starts=[(1, 1.5), (-1, -1)],
                      steps=40)  # fmt: skip
    for table in ("r.csv", "r.parquet"):
        race = dl.Race.load(tmp_path / table)
        np.testing.assert_array_equal(race.positions, expected.positions)
        assert race.labels == expected.labels


def test_race_pictures_take_framing_size_duration_and_look(tmp_path: Path) -> None:
    args = ["race", "beale", "-o", "adam(lr=0.1)", "--steps", "40", "--fps", "10",
            "--xlim=-1,3.5", "--ylim", "-0.5,2", "--look", "lit"]  # fmt: skip
    gif, png, surface = tmp_path / "r.gif", tmp_path / "r.png", tmp_path / "s.png"
    invoke(*args, "--size", "640x480", "--duration", "2", "--out", str(gif))
    with Image.open(gif) as image:
        assert image.size == (640, 480) and image.n_frames == 20  # 2 s at 10 fps
    invoke(*args, "--dpi", "100", "--out", str(png))
    record = sidecar(png)["experiment"]
    assert record["xlim"] == [-1.0, 3.5] and record["ylim"] == [-0.5, 2.0]
    assert record["look"] == "lit" and record["dpi"] == 100
    with Image.open(png) as image:  # 8.5 inches wide at 100 dpi, not 150
        assert abs(image.size[0] - 850) < 20
    invoke(*args, "--view", "surface", "--out", str(surface))
    assert sidecar(surface)["experiment"]["view"] == "surface"
    page = tmp_path / "r.html"
    invoke(*args, "--out", str(page))
    sent = json.loads(re.search(r'id="figure">(.*?)</script>', page.read_text()).group(1))
    assert sent["layout"]["xaxis"]["range"] == [-1.0, 3.5]


def test_options_no_output_uses_are_warned_of(tmp_path: Path) -> None:
    args = ["race", "beale", "-o", "adam(lr=0.1)", "--steps", "5", "--out", str(tmp_path / "r.png")]
    result = runner.invoke(app, [*args, "--size", "640x480", "--duration", "2", "--look", "lit"],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0
    assert "warning: size, duration shape animations (.gif, .mp4); no output here is one" in (
        result.output
    )
    assert "warning: look 'lit' shades the 3-D surface; give --view surface or both" in (
        result.output
    )
    quiet = runner.invoke(app, [*args, "--view", "surface", "--look", "lit"])
    assert quiet.exit_code == 0 and "warning" not in quiet.output


def test_race_on_an_expression_and_a_1d_landscape(tmp_path: Path) -> None:
    invoke("race", "x**2 - y**2 + 0.1*x**4", "-o", "momentum(lr=0.05)", "--start", "0.5,1e-3",
           "--steps", "30", "--out", str(tmp_path / "e.csv"))  # fmt: skip
    race = dl.Race.load(tmp_path / "e.csv")
    assert race.landscape.expression == "x**2 - y**2 + 0.1*x**4"
    invoke("race", "parabola", "-o", "sgd(lr=0.2)", "--start", "10", "--steps", "10",
           "--out", str(tmp_path / "line.csv"))  # fmt: skip
    line = dl.Race.load(tmp_path / "line.csv")
    assert line.positions[0, 0, -1, 0] == pytest.approx(10 * 0.6**10, rel=1e-5)


def test_sweep_table_holds_every_trajectory(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    invoke("sweep", "himmelblau", "-o", "sgd", "-o", "adam", "--grid", "lr=1e-3:1e-1:3:log",
           "--starts", "4", "--steps", "50", "--out", str(out))  # fmt: skip
    frame, meta = load_frame(out)
    assert meta["kind"] == "sweep-table" and meta["specs"] == ["sgd", "adam"]
    assert len(frame) == 2 * 3 * 16
    assert frame["optimizer"].unique().tolist() == ["sgd", "adam"]
    np.testing.assert_allclose(sorted(frame["lr"].unique()), [1e-3, 1e-2, 1e-1])
    expected = dl.sweep("himmelblau", "adam", grid={"lr": np.geomspace(1e-3, 1e-1, 3)},
                        starts=dl.grid_starts("himmelblau", 4), steps=50).to_frame()  # fmt: skip
    ours = frame[frame["optimizer"] == "adam"].drop(columns="optimizer").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, expected, check_dtype=False)
    assert sidecar(out)["experiment"]["grid"] == {"lr": "1e-3:1e-1:3:log"}


@pytest.mark.parametrize(
    ("plot", "extra", "panels"),
    [
        ("basins", ["-o", "sgd(lr=0.01)", "-o", "adam(lr=0.1)"], 2),
        ("sensitivity", ["-o", "sgd", "-o", "adam", "--grid", "lr=1e-3:0.5:5:log"], 1),
        ("heatmap", ["-o", "momentum", "--grid", "lr=1e-3,1e-2", "--grid",
                     "momentum=0.5,0.9"], 1),
    ],
)  # fmt: skip
def test_sweep_pictures(tmp_path: Path, plot: str, extra: list[str], panels: int) -> None:
    out = tmp_path / f"{plot}.png"
    invoke("sweep", "himmelblau", *extra, "--starts", "5", "--steps", "40", "--plot", plot,
           "--out", str(out))  # fmt: skip
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size[0] > 600
    assert sidecar(out)["experiment"]["plot"] == plot


def test_train_writes_curves_and_a_table_equal_to_compare(tmp_path: Path) -> None:
    table, picture = tmp_path / "t.csv", tmp_path / "t.png"
    invoke("train", "airfoil", "-o", "sgd(lr=0.05)", "-o", "adam(lr=0.01)", "--epochs", "1",
           "--seed", "3", "--out", str(table), "--out", str(picture))  # fmt: skip
    written = dl.Training.load(table)
    expected = dl.compare("airfoil", ["sgd(lr=0.05)", "adam(lr=0.01)"], 1, seed=3)
    for ours, theirs in zip(written, expected, strict=True):
        pd.testing.assert_frame_equal(ours.curve.drop(columns="seconds"),
                                      theirs.curve.drop(columns="seconds"))  # fmt: skip
    with Image.open(picture) as image:
        assert image.format == "PNG"
    assert sidecar(table)["experiment"]["seed"] == 3


def test_train_checkpoints_and_resumes(tmp_path: Path) -> None:
    common = ["train", "airfoil", "-o", "adam(lr=0.01)", "--checkpoint", str(tmp_path / "ck")]
    invoke(*common, "--epochs", "1", "--out", str(tmp_path / "one.csv"))
    invoke(*common, "--epochs", "3", "--resume", "--out", str(tmp_path / "resumed.csv"))
    invoke("train", "airfoil", "-o", "adam(lr=0.01)", "--epochs", "3",
           "--out", str(tmp_path / "straight.csv"))  # fmt: skip
    resumed = dl.Training.load(tmp_path / "resumed.csv")[0].curve.drop(columns="seconds")
    straight = dl.Training.load(tmp_path / "straight.csv")[0].curve.drop(columns="seconds")
    pd.testing.assert_frame_equal(resumed, straight)
    assert [p.name for p in (tmp_path / "ck").iterdir()] == ["airfoil-adam-lr-0.01-seed0.pt"]


def test_list_tasks() -> None:
    output = invoke("list", "tasks")
    assert "airfoil" in output and "regression" in output and "classification" in output
