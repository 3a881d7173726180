"""Framing: pictures show what the paths cover plus the known minima, or the limits given,
and mark the domain's edge where they pass it."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import PathPatch, Rectangle
from PIL import Image

import descentlab as dl
from descentlab import viz
from descentlab.viz.framing import REACH, frame

BEALE = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]
LEAVING = ["sgd(lr=0.05)", "rmsprop(lr=0.05)", "adam(lr=0.05)"]


@pytest.fixture(scope="module")
def beale():
    return dl.run("beale", BEALE, steps=100)


@pytest.fixture(scope="module")
def saddle():
    return dl.run("cs231n-saddle", LEAVING, starts=[(1e-5, 0.5)], steps=100)


def _area(box):
    (x0, x1), (y0, y1) = box
    return (x1 - x0) * (y1 - y0)


def test_a_race_on_beale_fills_the_frame(beale):
    box = frame(beale)
    assert _area(box) < _area(beale.landscape.domain) / 6  # 81 square units of domain
    (x0, x1), (y0, y1) = box
    paths = beale.positions.reshape(-1, 2)
    inside = np.isfinite(paths).all(axis=1)
    assert (paths[inside, 0] > x0).all() and (paths[inside, 0] < x1).all()
    assert (paths[inside, 1] > y0).all() and (paths[inside, 1] < y1).all()
    assert x0 < 3.0 < x1 and y0 < 0.5 < y1  # the minimum, with a margin around it
    assert x1 - 3.0 > 0.05 and paths[inside, 1].min() - y0 > 0.05
    ax = viz.trace(beale).get_axes()[0]
    assert ax.get_xlim() == pytest.approx(box[0]) and ax.get_ylim() == pytest.approx(box[1])


def test_the_map_is_sampled_over_the_frame(beale):
    """A zoomed map is drawn from samples inside the frame, not the domain's."""
    ax = viz.trace(beale).get_axes()[0]
    (x0, x1), _ = frame(beale)
    filled = next(c for c in ax.collections if hasattr(c, "levels"))
    xs = np.concatenate([path.vertices[:, 0] for path in filled.get_paths() if len(path)])
    assert xs.min() >= x0 - 1e-9 and xs.max() <= x1 + 1e-9


def test_given_limits_win_and_each_axis_can_be_given_alone(beale):
    assert frame(beale, xlim=(-4, 4), ylim=(-1, 2)) == ((-4.0, 4.0), (-1.0, 2.0))
    xlim_only = frame(beale, xlim=[0, 1])
    assert xlim_only[0] == (0.0, 1.0) and xlim_only[1] == frame(beale)[1]
    fig = viz.trace(beale, xlim=(-4.5, 4.5), ylim=(-4.5, 4.5))
    assert fig.get_axes()[0].get_xlim() == (-4.5, 4.5)
    animation = viz.animate(beale, "surface", xlim=(0, 3.5), ylim=(-0.5, 2))
    fig, _, _ = animation._scene()
    assert fig.axes[0].get_xlim() == pytest.approx((0, 3.5))


@pytest.mark.parametrize(
    "bad", [(1, 0), (0, 0), (0, float("inf")), (0,), "0,1", (0, 1, 2), (True, 2)]
)
def test_bad_limits_are_refused_in_one_line(beale, bad):
    with pytest.raises(ValueError, match=r"^xlim must be two finite numbers \(low, high\)"):
        viz.trace(beale, xlim=bad)


def test_limits_that_show_none_of_the_domain_are_refused(beale):
    with pytest.raises(ValueError, match=r"^xlim \(5, 6\) shows none of the domain, which "
                                         r"spans -4.5 to 4.5$"):  # fmt: skip
        viz.trace(beale, xlim=(5, 6))
    with pytest.raises(ValueError, match=r"^ylim \(-9, -4.5\) shows none of the domain"):
        viz.animate(beale, ylim=(-9, -4.5))
    assert frame(beale, xlim=(4, 6))[0] == (4.0, 6.0)  # a part of it is enough


def test_a_1d_trace_refuses_limits():
    race = dl.run("parabola", "sgd(lr=0.1)", steps=5)
    with pytest.raises(ValueError, match="xlim and ylim frame a 2-D map"):
        viz.trace(race, xlim=(0, 1))


def test_paths_that_leave_are_framed_a_margin_past_the_domain(saddle):
    (x0, x1), (y0, y1) = box = frame(saddle)
    (a0, a1), (b0, b1) = saddle.landscape.domain
    assert a1 < x1 <= a1 + REACH * (a1 - a0) + 1e-9  # the balls ran off to the right
    assert x0 >= a0 and y0 >= b0 and y1 <= b1
    assert _area(box) < _area(saddle.landscape.domain)


def test_a_race_that_does_not_move_still_gets_a_tenth_of_the_domain():
    race = dl.run("bowl", "sgd(lr=0.0)", starts=[(0.0, 0.0)], steps=3)
    (x0, x1), (y0, y1) = frame(race)
    (a0, a1), (b0, b1) = race.landscape.domain
    assert x1 - x0 >= 0.1 * (a1 - a0) and y1 - y0 >= 0.1 * (b1 - b0)
    assert x0 < 0 < x1 and y0 < 0 < y1


def test_a_thin_strip_of_paths_gets_room_across_it():
    race = dl.run("bowl", "sgd(lr=0.1)", starts=[(1.5, 0.0)], steps=20)  # along y = 0
    (x0, x1), (y0, y1) = frame(race)
    assert (y1 - y0) >= 0.5 * (x1 - x0) - 1e-9


def _veils(ax):
    return [p for p in ax.patches if isinstance(p, PathPatch)]


def _dashed_domain(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_linestyle() != "solid"]


def test_the_domain_edge_is_marked_only_where_the_frame_passes_it(saddle, beale):
    ax = viz.trace(saddle).get_axes()[0]
    assert len(_veils(ax)) == 1 and len(_dashed_domain(ax)) == 1
    (edge,) = _dashed_domain(ax)
    assert (edge.get_x(), edge.get_y()) == (-1.5, -1.0) and edge.get_width() == 3.0
    ax = viz.trace(beale).get_axes()[0]
    assert not _veils(ax) and not _dashed_domain(ax)


def test_the_veil_past_the_edge_shows_in_the_frames(saddle, tmp_path):
    """Across x = 1.5 the map turns paler: the part outside the domain is veiled."""
    animation = viz.animate(saddle, "contour", duration=0.2, fps=10)
    fig, _, _ = animation._scene()
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    with Image.open(animation.save(tmp_path / "veil.gif")) as image:
        first = np.asarray(image.convert("RGB")).astype(float)
    height = fig.bbox.height
    low, high = ax.get_ylim()
    (x_edge, y_mid) = ax.transData.transform((1.5, low + 0.15 * (high - low)))  # off the paths
    row, column = round(height - y_mid), round(x_edge)
    inside = first[row - 3 : row + 4, column - 10 : column - 4].mean()
    outside = first[row - 3 : row + 4, column + 4 : column + 10].mean()
    assert outside - inside > 25
