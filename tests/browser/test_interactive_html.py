"""The interactive HTML of a race opened from a file with the network off: it unpacks its
own plotly.js bundle, draws the map or the surface and the paths, plays every frame
without an error, marks a ball that left the view at the edge, and fits a phone."""

from __future__ import annotations

import re

import numpy as np
import pytest
from plotly.offline import get_plotlyjs_version

import descentlab as dl
from descentlab import viz

pytestmark = pytest.mark.browser

RACERS = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]
DESKTOP = {"viewport": {"width": 1000, "height": 720}}
PLOT = "document.querySelector('.js-plotly-plot')"
READY = (
    f"() => {{ const d = {PLOT}; return d && d._transitionData"
    " && d._transitionData._frames.length > 0 }"
)
LAST = (
    f"() => Plotly.animate({PLOT}, ['100'], {{frame: {{duration: 0, redraw: true}},"
    " transition: {duration: 0}, mode: 'immediate'})"
)


@pytest.fixture(scope="module")
def race():
    return dl.run("beale", RACERS, steps=100)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, race):
    folder = tmp_path_factory.mktemp("interactive")
    written = {}
    for kind in ("contour", "surface"):
        figure = viz.interactive(race, kind=kind)
        written[kind] = folder / f"{kind}.html", list(figure.frames[0].traces)
        figure.write_html(written[kind][0], include_plotlyjs=True)
    return written


def open_offline(browser, path, **size):
    """A page from file:// with the network off and every other request refused; returns
    the page, its errors (thrown or logged) and the addresses it tried to fetch."""
    context = browser.new_context(offline=True, **(size or DESKTOP))
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: fetched.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.abort())  # fmt: skip
    page.goto(path.as_uri())
    page.wait_for_function(READY)
    return page, errors, fetched


@pytest.mark.parametrize("kind", ["contour", "surface"])
def test_the_page_plays_offline(browser, pages, race, kind, artifacts):
    path, moving = pages[kind]
    paths, balls = moving[:5], moving[5:]
    page, errors, fetched = open_offline(browser, path)
    try:
        assert page.evaluate("() => Plotly.version") == get_plotlyjs_version()
        frames = page.evaluate(f"() => {PLOT}._transitionData._frames.map(f => f.name)")
        assert frames == [str(t) for t in range(101)]
        if kind == "contour":
            assert page.locator(".imagelayer image").count() == 1  # the map is drawn
        else:
            assert page.evaluate(f"() => {PLOT}._fullData[0].type") == "surface"
            assert page.locator(".gl-container canvas").count() >= 1
        lengths = f"(ids) => ids.map(i => {PLOT}._fullData[i].x.length)"
        assert page.evaluate(lengths, paths) == [1] * 5
        assert page.evaluate(lengths, balls) == [1] * 5
        page.locator(".updatemenu-button", has_text="play").click()
        page.wait_for_function(f"() => {PLOT}._fullLayout.sliders[0].active > 20")
        if kind == "contour":  # the map stays while the race plays (a contour trace vanished)
            assert page.locator(".imagelayer image").count() == 1
        page.locator(".updatemenu-button", has_text="pause").click()
        assert page.evaluate(f"() => {PLOT}._fullData[{paths[0]}].x.length") > 20
        page.evaluate(LAST)
        page.wait_for_function(f"() => {PLOT}._fullData[{paths[0]}].x.length === 101")
        ends = page.evaluate(f"(ids) => ids.map(i => [{PLOT}._fullData[i].x[0],"
                             f" {PLOT}._fullData[i].y[0]])", balls)  # fmt: skip
        for k, (x, y) in enumerate(ends):
            assert (x, y) == pytest.approx(tuple(race.positions[k, 0, -1]), rel=1e-6)
        if kind == "contour":
            assert page.locator(".imagelayer image").count() == 1  # still there after playing
        page.screenshot(path=str(artifacts / f"interactive-{kind}.png"))
    finally:
        page.context.close()
    assert not errors, f"the page reported errors: {errors}"
    assert [url for url in fetched if not url.startswith(("file:", "data:", "blob:"))] == []


def test_a_ball_that_left_the_view_points_out_at_its_edge(browser, tmp_path):
    race = dl.run("beale", ["adam(lr=0.1)"], starts=[(1.0, 1.5)], steps=100)
    assert race.positions[0, 0, -1, 0] > 2.4  # it ends right of the view
    path = tmp_path / "zoom.html"
    figure = viz.interactive(race, xlim=(0.5, 2.4), ylim=(-0.5, 1.6))
    ball = figure.frames[0].traces[1]
    figure.write_html(path)
    page, errors, _ = open_offline(browser, path)
    try:
        page.evaluate(LAST)
        page.wait_for_function(f"() => {PLOT}._fullData[{ball}].marker.symbol !== 'circle'")
        drawn = page.evaluate(
            f"""(index) => {{
                const gd = {PLOT}, xa = gd._fullLayout.xaxis;
                const trace = gd.querySelectorAll('.scatterlayer .trace')[index - 1];
                const point = trace.querySelector('.point');
                return {{transform: point.getAttribute('transform'), edge: xa.c2p(2.4),
                         symbol: gd._fullData[index].marker.symbol,
                         angle: gd._fullData[index].marker.angle, d: point.getAttribute('d')}};
            }}""",
            ball,
        )
    finally:
        page.context.close()
    assert drawn["symbol"] == "triangle-up-open" and drawn["angle"] == 90
    # the triangle drawn turned a quarter clockwise: taller than wide, its tip on the right
    corners = np.array(re.findall(r"(-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)", drawn["d"]),
                       dtype=float)  # fmt: skip
    assert corners.shape == (3, 2), drawn["d"]
    width, height = np.ptp(corners, axis=0)
    assert height > 1.3 * width and corners[:, 0].max() > -1.5 * corners[:, 0].min()
    x = float(drawn["transform"].split("(")[1].split(",")[0])
    assert x == pytest.approx(drawn["edge"], abs=1.0)  # on the view's right edge
    assert not errors, errors


@pytest.mark.parametrize("kind", ["contour", "surface"])
def test_on_a_phone_the_legend_stays_off_the_plot(browser, pages, kind):
    path, _ = pages[kind]
    size = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    page, errors, _ = open_offline(browser, path, **size)
    try:
        box = page.evaluate(
            f"""() => {{
                const gd = {PLOT}, plot = gd._fullLayout._size, outer = gd.getBoundingClientRect();
                const legend = gd.querySelector('.legend').getBoundingClientRect();
                return {{width: outer.width, right: legend.right, bottom: legend.bottom,
                         top: outer.top + plot.t, plotWidth: plot.w, plotHeight: plot.h}};
            }}"""
        )
    finally:
        page.context.close()
    assert box["width"] <= 390 and box["right"] <= 390
    assert box["bottom"] <= box["top"]  # the legend ends above the plot area
    assert box["plotWidth"] > 250 and box["plotHeight"] > 150
    assert not errors, errors
