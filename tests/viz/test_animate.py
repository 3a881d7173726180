"""Animations, read back from the files: frame counts, sizes, durations, every frame."""

from __future__ import annotations

import re

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

import descentlab as dl
from descentlab import viz

SADDLE = ["sgd(lr=0.05)", "momentum(lr=0.05)", "adam(lr=0.05, betas=(0.9, 0.99))"]


@pytest.fixture(scope="module")
def saddle():
    return dl.run("cs231n-saddle", SADDLE, steps=30)


@pytest.mark.parametrize("view", ["contour", "surface", "both"])
def test_gif_loops_with_every_frame(saddle, tmp_path, view):
    animation = viz.animate(saddle, view, fps=10)
    path = animation.save(tmp_path / f"saddle-{view}.gif")
    with Image.open(path) as image:
        assert image.n_frames == 31
        assert image.size == ((1120, 480) if view == "both" else (640, 480))
        assert image.info["loop"] == 0
        assert image.info["duration"] == 100
        image.seek(0)
        first = np.asarray(image.convert("RGB")).copy()
        image.seek(30)
        last = np.asarray(image.convert("RGB"))
    assert np.abs(first.astype(int) - last).sum() > 0, "the balls moved"


def test_mp4_has_the_frames_and_duration(saddle, tmp_path):
    path = viz.animate(saddle, "both", fps=10, duration=2).save(tmp_path / "saddle.mp4")
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 20 and seconds == pytest.approx(2.0, abs=0.11)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert meta["size"] == (1120, 480) and meta["codec"] == "h264"


def test_html_holds_every_frame_and_loads_nothing(saddle, tmp_path):
    path = viz.animate(saddle, "contour", duration=1.0, fps=12).save(tmp_path / "saddle.html")
    text = path.read_text()
    assert len(re.findall(r'"iVBORw0KGgo', text)) == 12  # base64 PNGs
    assert "http://" not in text and "https://" not in text and "<script src" not in text
    assert '<input id="slider" type="range"' in text
    assert viz.animate(saddle, duration=0.5, fps=4)._repr_html_().startswith("<!DOCTYPE html>")


def test_diverged_runs_are_drawn_up_to_divergence(tmp_path):
    race = dl.run("bowl", ["sgd(lr=0.1)", "sgd(lr=2.0)"], steps=40)
    assert race.diverged_at[1, 0] > 0
    path = viz.animate(race, fps=10).save(tmp_path / "wild.gif")
    with Image.open(path) as image:
        assert image.n_frames == 41


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(view="side"), r"view must be 'contour', 'surface' or 'both'"),
        (dict(fps=0), r"fps must be a whole number in \[1, 60\]"),
        (dict(size=(641, 480)), r"size must be even numbers of pixels"),
    ],
)
def test_bad_options(saddle, kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.animate(saddle, **kwargs)


def test_bad_paths_and_one_dimensional_races(saddle, tmp_path):
    with pytest.raises(ValueError, match=r"cannot save an animation as '.avi'; use one of .gif"):
        viz.animate(saddle).save(tmp_path / "saddle.avi")
    with pytest.raises(ValueError, match=r"the folder does not exist"):
        viz.animate(saddle).save(tmp_path / "nowhere" / "saddle.gif")
    with pytest.raises(ValueError, match=r"animations need a 2-D landscape; parabola has 1"):
        viz.animate(dl.run("parabola", "sgd(lr=0.1)", steps=3))
    assert not list(tmp_path.glob(".*partial*"))


def test_loss_panel_kept_in_step(saddle, tmp_path):
    race = dl.run("beale", ["sgd(lr=1e-3)", "adam(lr=0.1)"], starts=[(1.0, 1.5)], steps=20)
    animation = viz.animate(race, "contour", loss=True, fps=10)
    fig, artists, update = animation._scene()
    loss_ax = fig.get_axes()[-1]
    assert loss_ax.get_yscale() == "log" and loss_ax.get_xlabel() == "step"
    cursor = artists[-1]
    update(7)
    assert list(cursor.get_xdata()) == [7, 7]
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), race.losses[1, 0] - 0.0)
    path = animation.save(tmp_path / "beale-loss.gif")
    with Image.open(path) as image:
        assert image.size == (640, 640) and image.n_frames == 21


def test_state_overlay_draws_momentum_arrows_and_effective_steps(tmp_path):
    race = dl.run("elongated-bowl", ["momentum(lr=0.4, momentum=0.5)", "rmsprop(lr=0.4)"],
                  starts=[(-5.0, -2.0)], steps=12, record_state=True)  # fmt: skip
    animation = viz.animate(race, "contour", overlay=True)
    _, artists, update = animation._scene()
    update(5)
    lines = [a for a in artists if hasattr(a, "get_marker")]
    arrow = next(a for a in lines if a.get_marker() == ">")
    (x0, x1), (y0, y1) = arrow.get_data()
    np.testing.assert_allclose((x0, y0), race.positions[0, 0, 5])
    push = -race.states["momentum_buffer"][0, 0, 5]
    direction = np.array([x1 - x0, y1 - y0])
    np.testing.assert_allclose(direction / np.linalg.norm(direction), push / np.linalg.norm(push),
                               rtol=1e-5)  # fmt: skip
    crosses = [a for a in lines if len(a.get_xdata()) == 5]
    assert len(crosses) == 1  # rmsprop is adaptive, momentum is not
    with Image.open(animation.save(tmp_path / "overlay.gif")) as image:
        assert image.n_frames == 13
    with pytest.raises(ValueError, match="needs a race run with record_state=True"):
        viz.animate(dl.run("bowl", "adam(lr=0.1)", steps=3), overlay=True)
