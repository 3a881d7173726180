"""POST /api/export: GIF and MP4 read back frame by frame, CSV read back as a Race."""

from __future__ import annotations

import io

import imageio_ffmpeg
import numpy as np
from PIL import Image

import descentlab as dl
from descentlab.engine import Race

SPECS = ["momentum(lr=0.01)", "adam(lr=0.1)"]


def export(http, **changes):
    body = {"landscape": "himmelblau", "optimizers": SPECS, "starts": [[0, 0], [-1, 2]],
            "steps": 24, **changes}  # fmt: skip
    return http.post("/api/export", json=body)


def test_a_gif_has_one_frame_per_step(http):
    response = export(http, format="gif", fps=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["content-disposition"] == 'attachment; filename="himmelblau-race.gif"'
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "GIF" and image.size == (800, 600)
        assert image.n_frames == 25 and image.info["duration"] == 100
        image.seek(0)
        first = np.asarray(image.convert("RGB")).copy()
        image.seek(24)
        last = np.asarray(image.convert("RGB"))
    assert np.abs(first.astype(int) - last).sum() > 0, "the balls moved"


def test_a_long_race_is_shown_in_at_most_duration_times_fps_frames(http):
    response = export(http, format="gif", steps=300, fps=10, duration=3, view="both")
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.n_frames == 30 and image.size == (1280, 600)


def test_an_mp4_has_the_frames_and_the_codec(http, tmp_path):
    response = export(http, format="mp4", fps=10, duration=2, view="surface")
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    path = tmp_path / "race.mp4"
    path.write_bytes(response.content)
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 35 and abs(seconds - 3.5) < 0.11  # 2 s, then the last frame for 1.5 s
    meta = next(imageio_ffmpeg.read_frames(str(path)))
    assert meta["size"] == (800, 600) and meta["codec"] == "h264"


def test_the_csv_reads_back_as_the_race(http, tmp_path):
    response = export(http, format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    path = tmp_path / "race.csv"
    path.write_bytes(response.content)
    loaded = Race.load(path)
    race = dl.run("himmelblau", SPECS, starts=[[0, 0], [-1, 2]], steps=24)
    assert loaded.labels == race.labels and loaded.landscape.name == "himmelblau"
    np.testing.assert_array_equal(loaded.positions, race.positions)
    np.testing.assert_array_equal(loaded.losses, race.losses)


def test_a_1d_race_cannot_be_animated_and_says_so(http):
    response = http.post(
        "/api/export",
        json={"landscape": "parabola", "optimizers": ["sgd(lr=0.1)"], "steps": 5, "format": "gif"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "message": "animations need a 2-D landscape; parabola has 1"
    }


def test_unknown_formats_are_refused(http):
    response = export(http, format="avi")
    assert response.status_code == 422
    assert response.json()["detail"] == "format: Input should be 'gif', 'mp4' or 'csv'"
