"""Pictures legible at the size people embed them: no text under 11 px, a legend that hides
no path, 3-D tick labels that do not collide, and a larger size that is the same picture."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.legend import Legend
from matplotlib.text import Text

import descentlab as dl
from descentlab import viz

BEALE = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]
SMALLEST_PX = 11


@pytest.fixture(scope="module")
def beale():
    return dl.run("beale", BEALE, starts=[(1, 1.5), (-1, 2)], steps=60)


@pytest.fixture(scope="module")
def saddle():
    return dl.run("cs231n-saddle", ["sgd(lr=0.05)", "adam(lr=0.05)"], steps=60)


def _drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig


def _texts(fig):
    """Every text drawn: titles, labels, tick labels, legend entries, annotations."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _smallest_px(fig) -> float:
    return min(t.get_fontsize() * fig.dpi / 72 for t in _texts(fig))


def _animation_figure(race, **options):
    fig, artists, update = viz.animate(race, **options)._scene()
    update(int(race.steps))
    _drawn(fig)
    for artist in artists:  # the animated counter and labels count too
        artist.set_animated(False)
    return fig


@pytest.mark.parametrize(
    "options",
    [
        dict(view="contour"),
        dict(view="surface"),
        dict(view="both"),
        dict(view="contour", loss=True),
        dict(view="surface", look="lit"),
    ],
)
def test_animation_text_is_11_px_or_more(beale, options):
    fig = _animation_figure(beale, **options)
    assert fig.bbox.width in (800, 1280)
    assert _smallest_px(fig) >= SMALLEST_PX
    texts = _texts(fig)
    assert any(t.get_text() == "start 2: (-1, 2)" for t in texts)  # the legend was counted
    legend_text = next(t for t in texts if t.get_text().startswith("adam"))
    renderer = fig.canvas.get_renderer()
    assert legend_text.get_window_extent(renderer).height >= SMALLEST_PX  # as drawn


@pytest.mark.parametrize(
    "draw",
    [
        lambda r: viz.trace(r),
        lambda r: viz.surface(r),
        lambda r: viz.loss_curves(r),
        lambda r: viz.landscape(r.landscape),
    ],
)
def test_figure_text_is_11_px_or_more_at_the_default_dpi(beale, draw):
    fig = _drawn(draw(beale))
    assert fig.dpi == 100  # savefig's default
    assert _smallest_px(fig) >= SMALLEST_PX


def test_sweep_and_teaching_figures_keep_text_at_11_px_or_more():
    sweep = dl.sweep("himmelblau", "adam", grid={"lr": [0.01, 0.1]}, steps=20)
    for fig in (viz.basins(sweep), viz.sensitivity(sweep), viz.ema_weights()):
        assert _smallest_px(_drawn(fig)) >= SMALLEST_PX


@pytest.mark.parametrize(
    "make",
    [lambda r: _animation_figure(r, view="contour"), lambda r: _drawn(viz.trace(r))],
)
def test_the_colour_bar_is_as_tall_as_the_map(beale, make):
    """A map at equal scales is often shorter than its row; the bar follows the map."""
    fig = make(beale)
    renderer = fig.canvas.get_renderer()
    (ax,) = [a for a in fig.axes if a.get_label() != "<colorbar>" and a.child_axes]
    (bar,) = ax.child_axes
    map_box, bar_box = ax.get_window_extent(renderer), bar.get_window_extent(renderer)
    # the same top; the bottom leaves room for the "min" extension's triangle
    assert abs(map_box.y1 - bar_box.y1) < 1.5 and 0.9 * map_box.height < bar_box.height
    assert bar_box.x0 > map_box.x1  # beside it, not over it


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize(
    "make",
    [
        lambda r: _animation_figure(r, view="contour"),
        lambda r: _animation_figure(r, view="both"),
        lambda r: _animation_figure(r, view="surface", loss=True),
        lambda r: _drawn(viz.trace(r)),
        lambda r: _drawn(viz.surface(r)),
        lambda r: _drawn(viz.loss_curves(r)),
    ],
)
def test_the_legend_hides_no_path(beale, make):
    fig = make(beale)
    renderer = fig.canvas.get_renderer()
    legends = [legend for legend in fig.findobj(Legend)]
    assert legends
    for legend, ax in itertools.product(legends, fig.axes):
        if ax.get_label() == "<colorbar>":
            continue
        assert not _overlap(legend.get_window_extent(renderer), ax.get_window_extent(renderer))


@pytest.mark.parametrize("land", ["cs231n-saddle", "beale", "rosenbrock"])
def test_3d_tick_labels_do_not_collide(land):
    race = dl.run(land, "adam(lr=0.05)", steps=30)
    whole = dict(zip(("xlim", "ylim"), race.landscape.domain, strict=True))
    figures = [_drawn(viz.surface(race)), _animation_figure(race, view="surface"),
               _drawn(viz.surface(race, **whole))]  # fmt: skip
    for fig in figures:  # whole, the saddle drew "1.5" over "-1.00"
        ax = next(a for a in fig.axes if a.name == "3d")
        renderer = fig.canvas.get_renderer()
        labels = []
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):  # the ticks in view are drawn
            low, high = sorted(axis.get_view_interval())
            labels += [tick.label1 for tick in axis.get_major_ticks()
                       if low <= tick.get_loc() <= high and tick.label1.get_text()]  # fmt: skip
        assert len(labels) >= 6
        boxes = [t.get_window_extent(renderer) for t in labels]
        for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
            assert not _overlap(a, b), f"{ta.get_text()!r} collides with {tb.get_text()!r}"


def test_a_larger_size_is_the_same_picture_sharper(beale):
    default = viz.animate(beale, "contour")
    large = viz.animate(beale, "contour", size=(1600, 1200))
    assert (default.dpi, large.dpi) == (100, 200)
    small, big = (
        _animation_figure(beale, view="contour"),
        _animation_figure(beale, view="contour", size=(1600, 1200)),
    )
    assert small.legends[0]._ncols == big.legends[0]._ncols
    assert _smallest_px(big) == pytest.approx(2 * _smallest_px(small))
    own = viz.animate(beale, "contour", size=(1600, 1200), dpi=100)
    assert own.dpi == 100  # an explicit dpi wins
