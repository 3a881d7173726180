"""Static figures: they draw what the results hold, and save as png, svg and pdf."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from PIL import Image

import descentlab as dl
from descentlab import landscapes, optim, viz
from descentlab.viz.style import OPTIMIZER_COLOURS, colours

matplotlib.use("Agg")

SADDLE = ["sgd(lr=0.05)", "momentum(lr=0.05)", "adagrad(lr=0.05)",
          "rmsprop(lr=0.05, alpha=0.9)", "adam(lr=0.05, betas=(0.9, 0.99))"]  # fmt: skip


@pytest.fixture(scope="module")
def beale_race():
    return dl.run("beale", ["sgd(lr=1e-3)", "nesterov(lr=1e-3)", "adam(lr=0.1)"],
                  starts=[(1.0, 1.5), (-1.0, -1.0)], steps=120)  # fmt: skip


def test_every_formula_renders_as_mathtext():
    parser = MathTextParser("agg")
    formulas = [landscapes.get(n).formula for n in landscapes.available()]
    formulas += [optim.info(n).formula for n in optim.available()]
    for formula in formulas:
        parser.parse(f"${formula}$", 100)


def test_one_colour_per_optimizer_everywhere():
    assert len(set(OPTIMIZER_COLOURS.values())) == len(OPTIMIZER_COLOURS) == len(optim.available())
    assert colours(["adam(lr=0.1)", "torch.Adam(lr=0.1)", "sgd"])[0] == OPTIMIZER_COLOURS["adam"]
    picked = colours(["adam(lr=0.1)", "adam(lr=0.01)", "my_factory"])
    assert len(set(picked)) == 3  # repeats and strangers get spare colours


@pytest.mark.parametrize("name", ["beale", "rosenbrock", "xcos", "cs231n-saddle"])
def test_landscape_figure(name, tmp_path):
    fig = viz.landscape(name)
    assert isinstance(fig, Figure)
    land = landscapes.get(name)
    assert land.name in fig.get_suptitle()
    axes = fig.get_axes()
    if land.dim == 2:
        assert any(ax.name == "3d" for ax in axes)
        contour_ax = next(ax for ax in axes if ax.name != "3d" and ax.get_xlabel() == "$x$")
        assert contour_ax.get_xlim() == land.domain[0]
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    with Image.open(path) as image:
        assert image.size[0] > 300 and image.size[1] > 200


def test_trace_draws_each_trajectory_and_marks(beale_race):
    fig = viz.trace(beale_race)
    ax = fig.get_axes()[0]
    lines = ax.get_lines()
    labelled = [line for line in lines if not line.get_label().startswith("_")]
    names = [line.get_label() for line in labelled]
    k = len(beale_race.labels)
    assert names[:k] == beale_race.labels  # then each of its starts, named
    assert [name.split(":")[0] for name in names[k:]] == ["start 1", "start 2"]
    sgd = labelled[0]
    np.testing.assert_allclose(sgd.get_xydata(), beale_race.positions[0, 0])
    assert sgd.get_color() == OPTIMIZER_COLOURS["sgd"]
    stars = [line for line in lines if line.get_marker() == "*"]
    assert [tuple(s.get_xydata()[0]) for s in stars] == [(3.0, 0.5)]
    assert fig.legends, "the legend sits outside the axes"
    assert "beale" in ax.get_title()


def test_trace_in_one_dimension_puts_iterates_on_the_curve():
    race = dl.run("parabola", ["sgd(lr=0.2)", "sgd(lr=0.05)", "sgd(lr=1.1)"], steps=10,
                  dtype=torch.float64)  # fmt: skip
    ax = viz.trace(race).get_axes()[0]
    labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(labelled) == 3
    xy = labelled[0].get_xydata()
    np.testing.assert_allclose(xy[:, 1], xy[:, 0] ** 2)
    assert xy[-1, 0] == pytest.approx(0.060466176)


def test_runs_leaving_the_view_are_cut_at_its_edge():
    race = dl.run("cs231n-saddle", SADDLE, steps=100)
    fig = viz.surface(race)
    ax = fig.get_axes()[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert 1.5 < x1 <= 1.5 + 0.06 * 3  # the paths leave: at most a margin past the domain
    for line in ax.get_lines():
        xs, ys, _ = (np.asarray(v, dtype=float) for v in line.get_data_3d())
        if not len(xs):
            continue  # a legend entry
        shown = np.isfinite(xs)
        assert shown.any()
        assert np.all((xs[shown] >= x0) & (xs[shown] <= x1))
        assert np.all((ys[shown] >= y0) & (ys[shown] <= y1))
    assert ax.get_zlim()[0] > -2  # the surface, not a runaway path, sets the scale
    wild = dl.run("parabola", "sgd(lr=1.5)", steps=30)
    lines = viz.trace(wild).get_axes()[0].get_lines()
    marks = [line for line in lines if line.get_marker() == "X" and len(line.get_xdata())]
    assert len(marks) == 1


def test_surface_needs_two_dimensions():
    with pytest.raises(ValueError, match="a surface needs a 2-D landscape; parabola has 1"):
        viz.surface(dl.run("parabola", "sgd(lr=0.1)", steps=3))


def test_loss_curves(beale_race):
    fig = viz.loss_curves(beale_race, gap=True)
    ax = fig.get_axes()[0]
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[2].get_ydata(), np.median(beale_race.losses[2], axis=0))
    with pytest.raises(ValueError, match="no known minimum value"):
        viz.loss_curves(dl.run("saddle", "sgd(lr=0.01)", steps=3), gap=True)


def test_ema_weights():
    ax = viz.ema_weights(betas=(0.9, 0.5), steps=30).get_axes()[0]
    first = ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(first, 0.1 * 0.9 ** np.arange(30))
    assert "about 10 steps" in ax.get_lines()[0].get_label()
    with pytest.raises(ValueError, match=r"each beta must be in \[0, 1\), got 1.0"):
        viz.ema_weights(betas=(1.0,))


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_saving_by_extension(beale_race, tmp_path, suffix):
    path = tmp_path / f"trace.{suffix}"
    viz.trace(beale_race).savefig(path)
    head = path.read_bytes()[:200]
    expected = {"png": b"\x89PNG", "svg": b"<svg", "pdf": b"%PDF"}[suffix]
    assert expected in head


def test_a_run_that_leaves_and_comes_back_is_drawn_whole():
    race = dl.run("himmelblau", "adam(lr=3.0)", starts=[(4.5, 4.5)], steps=150)
    path = race.positions[0, 0]
    outside = ((path < -5) | (path > 5)).any(axis=1)
    assert outside.any() and not outside[-1], "the run leaves the domain, then returns"
    ax = viz.trace(race).get_axes()[0]
    line = next(line for line in ax.get_lines() if line.get_label() == "adam(lr=3.0)")
    np.testing.assert_allclose(line.get_xydata(), path)
    ends = [
        line for line in ax.get_lines() if line.get_marker() == "o" and line.get_markersize() == 7
    ]
    np.testing.assert_allclose(ends[0].get_xydata()[0], path[-1])


def test_the_divergence_mark_sits_where_the_run_left_the_view():
    race = dl.run("rosenbrock", "sgd(lr=0.01)", starts=[(-1.5, 2.0)], steps=50)
    assert race.diverged_at[0, 0] > 0
    ax = viz.trace(race).get_axes()[0]
    lines = ax.get_lines()
    (mark,) = [line for line in lines if line.get_marker() == "X" and len(line.get_xdata())]
    x, y = mark.get_xydata()[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 - 1e-6 <= x <= x1 + 1e-6 and y0 - 1e-6 <= y <= y1 + 1e-6
    assert min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) < 1e-6  # on the edge


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: viz.landscape("beale", resolution=1), ValueError, "resolution must be a whole"),
        (lambda: viz.trace("beale"), TypeError, "trace draws a Race .*got str"),
        (lambda: viz.ema_weights(betas=[]), ValueError, "give at least one beta"),
        (lambda: viz.landscape("x*0 + y*0"), ValueError, "constant over its domain"),
        (lambda: viz.animate(dl.run("bowl", "sgd", steps=2), duration=0), ValueError, "duration"),
        (lambda: viz.animate(dl.run("bowl", "sgd", steps=2), size=640), ValueError, "size must"),
        (lambda: viz.interactive(dl.run("bowl", "sgd", steps=2), frames=0), ValueError, "frames"),
    ],
)
def test_bad_arguments_are_one_clear_line(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_trace_starts_are_checked(beale_race):
    with pytest.raises(ValueError, match=r"starts must be indices in \[0, 1\], got \[5\]"):
        viz.trace(beale_race, starts=[5])
    assert len(viz.trace(beale_race, starts=1).get_axes()[0].get_lines()) > 3


def test_negative_landscapes_keep_a_linear_loss_axis():
    race = dl.run("saddle", "sgd(lr=0.1)", starts=[(1.0, 0.1)], steps=30)
    assert viz.loss_curves(race).get_axes()[0].get_yscale() == "linear"


def test_several_starts_are_told_apart_by_line_style_and_named_in_the_legend():
    race = dl.run("himmelblau", ["sgd(lr=0.01)", "adam(lr=0.1)"],
                  starts=[(0.0, 0.0), (-1.0, 3.0), (1.0, -4.0)], steps=30)  # fmt: skip
    fig = viz.trace(race)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[-3:] == ["start 1: (0, 0)", "start 2: (-1, 3)", "start 3: (1, -4)"]
    ax = fig.axes[0]
    paths = [line for line in ax.get_lines() if len(line.get_xdata()) == 31]
    coloured = [line for line in paths if line.get_color() == colours(race.labels)[0]]
    assert [line.get_linestyle() for line in coloured] == ["-", "--", ":"]
    numbers = [t.get_text() for t in ax.texts]
    assert numbers == ["1", "2", "3"]
    single = viz.trace(dl.run("himmelblau", "sgd(lr=0.01)", starts=[(0.0, 0.0)], steps=30))
    assert not any("start" in t.get_text() for t in single.legends[0].get_texts())


def test_the_lowest_contour_around_beales_minimum_is_smooth_not_a_staircase():
    from matplotlib.figure import Figure as Fig

    from descentlab.viz.drawing import draw_contour

    ax = Fig().add_subplot()
    draw_contour(ax, landscapes.get("beale"))
    lines = ax.collections[-1]  # the white contour lines, drawn after the filled bands
    lowest = lines.get_paths()[0].vertices  # the lowest line level, around the minimum
    steps = np.diff(lowest, axis=0)
    steps = steps[np.hypot(*steps.T) > 0]
    # a staircase of grid cells moves along x or along y, never both
    aligned = np.isclose(steps[:, 0], 0, atol=1e-9) | np.isclose(steps[:, 1], 0, atol=1e-9)
    assert len(steps) > 50 and aligned.mean() < 0.1, aligned.mean()
