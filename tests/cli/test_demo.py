"""`descentlab demo`: the showcase is complete, every file is valid, the gallery opens
offline, and an exhibit whose data cannot be had is skipped in one line."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image
from typer.testing import CliRunner

from descentlab.cli import app
from descentlab.cli.demo import SHOWCASE, build
from descentlab.train.datasets import RemoteFile


@pytest.fixture(scope="module")
def showcase(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("showcase")
    result = CliRunner().invoke(app, ["demo", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"open {out / 'index.html'}" in result.output
    return out


EXPECTED = [
    "saddle-surface.gif", "saddle-surface.mp4", "saddle-both.gif", "saddle-both.mp4",
    "saddle-interactive.html", "beale-race.gif", "beale-race.png", "rosenbrock-race.gif",
    "rosenbrock-race.png", "himmelblau-basins.png", "lr-sensitivity.png", "textbook-1d.png",
    "textbook-2d.png", "momentum-weights.png", "airfoil-curves.png", "digits-curves.png",
]  # fmt: skip


def test_every_exhibit_is_written_and_valid(showcase: Path) -> None:
    outputs = [name for exhibit in SHOWCASE for name in exhibit.experiment["out"]]
    assert outputs == EXPECTED
    for name in EXPECTED:
        path = showcase / name
        assert path.stat().st_size > 10_000, name
        record = json.loads((showcase / f"{name}.json").read_text())
        assert record["experiment"]["out"] == [name]
        if path.suffix in (".png", ".gif"):
            with Image.open(path) as image:
                assert image.format == path.suffix[1:].upper() and image.size[0] >= 600, name
                if path.suffix == ".gif":
                    assert image.n_frames > 50, name
        elif path.suffix == ".mp4":
            frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
            # 101 frames at 20 fps, then the last one held for 1.5 s
            assert frames == 131 and seconds == pytest.approx(6.55, abs=0.1), name
    page = (showcase / "saddle-interactive.html").read_text()
    assert "Plotly.newPlot" in page and not re.search(r"<script[^>]+src=[\"']https?:", page)


def test_the_gallery_shows_every_exhibit_and_opens_offline(showcase: Path) -> None:
    index = (showcase / "index.html").read_text()
    assert not re.search(r"(src|href)=[\"']?https?:", index)  # nothing from the network
    for exhibit in SHOWCASE:
        assert exhibit.title.replace("'", "&#x27;") in index
    for name in EXPECTED:
        assert f'"{name}"' in index, name  # shown or linked
    assert index.count("<figure") == len(SHOWCASE)
    assert index.count("<figure class=wide>") == sum(e.wide for e in SHOWCASE) == 3
    assert '<a href="saddle-interactive.html"><img src="saddle-surface.gif"' in index
    record = json.loads((showcase / "index.html.json").read_text())
    assert record["experiment"] == {"kind": "demo", "out": "."} and record["seconds"] > 0


def test_every_picture_is_shown_at_its_real_size(showcase: Path) -> None:
    page = (showcase / "real-size.html").read_text()
    assert not re.search(r"(src|href)=[\"']?https?:", page)
    assert 'href="real-size.html"' in (showcase / "index.html").read_text()
    pictures = [n for n in EXPECTED if Path(n).suffix in (".png", ".gif", ".mp4")]
    assert page.count("<section>") == len(pictures)
    for name in pictures:
        if name.endswith(".mp4"):
            frames = imageio_ffmpeg.read_frames(str(showcase / name))
            width, height = next(frames)["size"]
            frames.close()
        else:
            with Image.open(showcase / name) as image:
                width, height = image.size
        assert f'src="{name}" width={width} height={height}' in page, name
        assert f"{width} × {height} px" in page


def _file(name: str, body: bytes) -> RemoteFile:
    digest = hashlib.sha256(body).hexdigest()
    return RemoteFile(name, f"http://127.0.0.1:9/{name}", digest, "made up for the test")


def test_an_exhibit_whose_data_cannot_be_had_is_skipped_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two cheap exhibits of the showcase, each declared to need a downloadable file: one
    # is in the data folder, the other is nowhere and the suite runs offline
    cheap = {e.experiment["out"][0]: e for e in SHOWCASE}
    present, absent = _file("present.bin", b"here"), _file("absent.bin", b"not here")
    showcase = [
        dataclasses.replace(cheap["momentum-weights.png"], needs=(present, "airfoil")),
        dataclasses.replace(cheap["textbook-1d.png"], needs=("digits", absent)),
    ]
    data = tmp_path / "data"
    data.mkdir()
    (data / "present.bin").write_bytes(b"here")
    monkeypatch.setenv("DESCENTLAB_DATA", str(data))
    out = tmp_path / "out"
    written = build(out, progress=False, showcase=showcase)

    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "skipped textbook-1d.png: absent.bin is not on this machine and DESCENTLAB_OFFLINE "
        "forbids downloading it; put the file in a folder and set DESCENTLAB_DATA"
    )
    names = ["momentum-weights.png", "momentum-weights.png.json", "index.html", "real-size.html",
             "index.html.json"]  # fmt: skip
    assert [p.name for p in written] == names
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    index = (out / "index.html").read_text()
    assert index.count("<figure") == 1 and "What momentum remembers" in index
    assert "textbook-1d" not in index and "The learning rate in one dimension" not in index
    record = json.loads((out / "index.html.json").read_text())
    assert record["skipped"] == ["The learning rate in one dimension"]


def test_every_training_exhibit_declares_its_task() -> None:
    trained = [e for e in SHOWCASE if e.experiment["kind"] == "train"]
    assert len(trained) == 2
    for exhibit in trained:
        assert exhibit.needs == (exhibit.experiment["task"],)
