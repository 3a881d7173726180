"""The interactive HTML of a race opened from a file with the network off: it unpacks its
own plotly.js, draws the map and the paths, and plays every frame without an error."""

from __future__ import annotations

import pytest

import descentlab as dl
from descentlab import viz

pytestmark = pytest.mark.browser

RACERS = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]
PLOT = "document.querySelector('.js-plotly-plot')"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("interactive") / "race.html"
    race = dl.run("beale", RACERS, steps=100)
    viz.interactive(race).write_html(path, include_plotlyjs=True)
    return path, race


def test_the_page_plays_offline(browser, page_file, artifacts):
    path, race = page_file
    context = browser.new_context(viewport={"width": 1000, "height": 720}, offline=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: fetched.append(request.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            f"() => {{ const d = {PLOT}; return d && d._transitionData"
            " && d._transitionData._frames.length > 0 }"
        )
        frames = page.evaluate(f"() => {PLOT}._transitionData._frames.map(f => f.name)")
        assert frames == [str(t) for t in range(101)]
        assert page.locator(".contourlayer path").count() > 10  # the map is drawn
        assert page.evaluate(f"() => {PLOT}._fullData.slice(1).map(t => t.x.length)") == [1] * 5
        page.locator(".updatemenu-button", has_text="play").click()
        page.wait_for_function(f"() => {PLOT}._fullData[1].x.length > 30")
        page.locator(".updatemenu-button", has_text="pause").click()
        page.evaluate(
            f"() => Plotly.animate({PLOT}, ['100'], {{frame: {{duration: 0, redraw: true}},"
            " transition: {duration: 0}, mode: 'immediate'})"
        )
        page.wait_for_function(f"() => {PLOT}._fullData[1].x.length === 101")
        shown = page.evaluate(f"() => {PLOT}._fullData.slice(1).map(t => [Array.from(t.x).at(-1),"
                              " Array.from(t.y).at(-1)])")  # fmt: skip
        for k, (x, y) in enumerate(shown):
            assert (x, y) == pytest.approx(tuple(race.positions[k, 0, -1]), rel=1e-6)
        assert page.locator(".contourlayer path").count() > 10  # still there after playing
        assert page.locator(".scatterlayer .trace").count() == 5
        page.screenshot(path=str(artifacts / "interactive-html.png"))
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"
    assert [url for url in fetched if not url.startswith(("file:", "data:", "blob:"))] == []
