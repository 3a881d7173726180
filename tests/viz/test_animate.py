"""Animations, read back from the files: frame counts, sizes, durations, every frame."""

from __future__ import annotations

import base64
import io
import re

import imageio_ffmpeg
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from mpl_toolkits.mplot3d import proj3d
from PIL import Image

import descentlab as dl
from descentlab import viz
from descentlab.viz.style import colours

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
        assert image.size == ((1280, 600) if view == "both" else (800, 600))
        assert image.info["loop"] == 0
        assert image.info["duration"] == 100
        image.seek(29)
        assert image.info["duration"] == 100
        image.seek(30)
        assert image.info["duration"] == 1600  # the last frame holds 1.5 s more
        image.seek(0)
        first = np.asarray(image.convert("RGB")).copy()
        image.seek(30)
        last = np.asarray(image.convert("RGB"))
    assert np.abs(first.astype(int) - last).sum() > 0, "the balls moved"


def test_mp4_has_the_frames_and_duration(saddle, tmp_path):
    path = viz.animate(saddle, "both", fps=10, duration=2).save(tmp_path / "saddle.mp4")
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 35 and seconds == pytest.approx(3.5, abs=0.11)  # 2 s, then 1.5 s held
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert meta["size"] == (1280, 600) and meta["codec"] == "h264"


def test_html_holds_every_frame_and_loads_nothing(saddle, tmp_path):
    path = viz.animate(saddle, "contour", duration=1.0, fps=12).save(tmp_path / "saddle.html")
    text = path.read_text()
    assert len(re.findall(r'"iVBORw0KGgo', text)) == 12  # base64 PNGs
    assert "http://" not in text and "https://" not in text and "<script src" not in text
    assert '<input id="slider" type="range"' in text


def test_a_notebook_shows_the_looping_gif_inline(saddle):
    page = viz.animate(saddle, "contour", duration=1.0, fps=12)._repr_html_()
    (encoded,) = re.findall(r'^<img alt="[^"]+" src="data:image/gif;base64,([^"]+)">$', page)
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert image.n_frames == 12 and image.info["loop"] == 0


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
        assert image.size == (800, 800) and image.n_frames == 21


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


@pytest.mark.parametrize("hold", [0, 0.5, 3])
def test_the_last_frame_holds(saddle, tmp_path, hold):
    animation = viz.animate(saddle, "contour", fps=20, duration=1.0, hold=hold)
    with Image.open(animation.save(tmp_path / "held.gif")) as image:
        durations = []
        for i in range(image.n_frames):
            image.seek(i)
            durations.append(image.info["duration"])
    assert durations == [50] * 19 + [50 + 1000 * hold]
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(
        str(animation.save(tmp_path / "held.mp4"))
    )
    assert frames == 20 + 20 * hold and seconds == pytest.approx(1.0 + hold, abs=0.06)
    page = animation.to_html()
    assert "__DELAY__" not in page and f"? {round(1000 * hold)} : 0" in page
    with pytest.raises(ValueError, match=r"hold \(seconds\) must be a finite number >= 0"):
        viz.animate(saddle, hold=-1)


LEAVING = ["sgd(lr=0.05)", "adam(lr=0.05, betas=(0.9, 0.99))"]  # adam leaves at x = 1.5


def _near(frame, colour, centre, radius=9, tolerance=40):
    """How many pixels within ``radius`` of ``centre`` (x, y from the top) have ``colour``."""
    x, y = np.round(centre).astype(int)
    patch = frame[y - radius : y + radius + 1, x - radius : x + radius + 1].astype(int)
    target = np.array(to_rgb(colour)) * 255
    return int((np.abs(patch - target).max(axis=-1) < tolerance).sum())


@pytest.mark.parametrize("view", ["contour", "surface"])
def test_a_ball_that_leaves_the_view_stays_marked_at_the_edge(tmp_path, view):
    race = dl.run("cs231n-saddle", LEAVING, starts=[(1e-5, 0.5)], steps=100)
    assert race.positions[1, 0, -1, 0] > 1.5 and race.diverged_at[1, 0] < 0
    animation = viz.animate(race, view, fps=20)
    fig, artists, update = animation._scene()
    FigureCanvasAgg(fig).draw()
    update(100)
    ax = fig.axes[0]
    adam = artists[3]  # trails and balls: sgd's, then adam's
    x, y = np.ravel(adam.get_data_3d()[:2] if view == "surface" else adam.get_data())
    right = ax.get_xlim()[1]  # the frame: the domain's edge (x = 1.5) and a margin
    assert 1.5 < right < 1.8
    assert x == pytest.approx(right) and -1 < y < 1  # on the right edge, where it crossed
    assert adam.get_markerfacecolor() == "none" and not isinstance(adam.get_marker(), str)
    if view == "surface":
        xs, ys, _ = proj3d.proj_transform(x, y, adam.get_data_3d()[2][0], ax.get_proj())
        centre = ax.transData.transform((xs, ys))
    else:
        centre = ax.transData.transform((x, y))
        trail = artists[2].get_data()
        assert np.nanmax(trail[0]) == pytest.approx(right)  # the trail runs up to the edge
    centre = (centre[0], fig.bbox.height - centre[1])
    colour = colours(race.labels)[1]
    with Image.open(animation.save(tmp_path / "leaving.gif")) as image:
        assert image.n_frames == 101
        first = np.asarray(image.convert("RGB"))
        image.seek(100)
        last = np.asarray(image.convert("RGB"))
    assert _near(last, colour, centre) >= 20, "adam's mark at the edge in the last frame"
    assert _near(first, colour, centre) == 0, "not there at the start"


@pytest.mark.parametrize("view", ["contour", "surface"])
def test_every_ball_is_drawn_in_every_frame_of_the_gif(tmp_path, view):
    """Read back from the file: in each frame, at each ball's place, its colour (unless
    another ball covers that place), on one palette across frames."""
    racers = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)"]
    race = dl.run("beale", racers, steps=60)
    animation = viz.animate(race, view, fps=10, duration=2.0)
    fig, artists, update = animation._scene()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    ax = fig.axes[0]
    height = fig.bbox.height
    balls = artists[1 : 2 * len(racers) : 2]  # per trajectory its trail, then its ball
    with Image.open(animation.save(tmp_path / "balls.gif")) as image:
        assert image.n_frames == len(animation.steps) == 20
        for index, step in enumerate(animation.steps):
            image.seek(index)
            frame = np.asarray(image.convert("RGB"))
            update(int(step))
            centres = []
            for k, ball in enumerate(balls):
                x, y = race.positions[k, 0, step]
                if view == "surface":
                    bx, by, bz = (float(v[0]) for v in ball.get_data_3d())
                    assert (bx, by) == pytest.approx((x, y))
                    xs, ys, _ = proj3d.proj_transform(bx, by, bz, ax.get_proj())
                    point = ax.transData.transform((xs, ys))
                else:
                    assert np.ravel(ball.get_data()) == pytest.approx((x, y))
                    point = ax.transData.transform((x, y))
                centres.append((point[0], height - point[1]))
            for k, colour in enumerate(colours(race.labels)):
                covered = any(np.hypot(*np.subtract(centres[k], centres[j])) < 12
                              for j in range(k + 1, len(racers)))  # fmt: skip
                if not covered:
                    assert _near(frame, colour, centres[k], radius=5) >= 8, (step, racers[k])


def test_balls_are_drawn_over_every_trail_and_whole_at_the_edge(tmp_path):
    """The saddle's point is the ball that stays: momentum's trail crosses it."""
    race = dl.run("cs231n-saddle", ["sgd(lr=0.05)", "momentum(lr=0.05, momentum=0.9)"],
                  starts=[(1e-5, 0.5)], steps=60)  # fmt: skip
    animation = viz.animate(race, "contour", xlim=(-1.5, 1.5), ylim=(-1, 1))
    fig, artists, update = animation._scene()
    trails, balls = artists[0:4:2], artists[1:4:2]
    assert min(b.get_zorder() for b in balls) > max(t.get_zorder() for t in trails)
    assert not any(b.get_clip_on() for b in balls) and all(t.get_clip_on() for t in trails)
    frame = list(animation.frames())[-1]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    update(60)
    x, y = fig.axes[0].transData.transform(race.positions[0, 0, -1])
    sgd = colours(race.labels)[0]
    assert _near(frame, sgd, (x, fig.bbox.height - y), radius=4) >= 12  # not under the trail


def test_diverged_and_left_balls_are_told_apart():
    race = dl.run("bowl", ["sgd(lr=0.1)", "sgd(lr=2.0)"], starts=[(1.5, 1.0)], steps=40)
    assert race.diverged_at[1, 0] > 0
    _, artists, update = viz.animate(race, "contour")._scene()
    update(40)
    assert artists[1].get_marker() == "o"
    assert artists[3].get_marker() == "X" and artists[3].get_markerfacecolor() != "none"
