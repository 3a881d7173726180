"""The map frames the race, at a desktop size and on a phone: a ball that leaves the view
stays marked at its edge, starts are told apart by dash, number and legend, the view's
limits are checked, kept in the link and reframe the map, and a view past the domain
marks the domain's edge."""

from __future__ import annotations

from urllib.parse import quote

import pytest

import descentlab as dl
from descentlab.viz.framing import frame
from tests.browser.sizes import SIZES, press

pytestmark = pytest.mark.browser

HEADS = "map.data[state.firstTrail + state.trailCount]"
LEGEND = "map.data.filter(t => t.showlegend !== false).map(t => t.name)"


def link(landscape: str, starts: list[str], steps: int, opts: list[str], **extra: str) -> str:
    parts = [f"tab=race&landscape={landscape}", *(f"start={quote(s)}" for s in starts),
             f"steps={steps}", *(f"opt={quote(o)}" for o in opts),
             *(f"{k}={quote(v)}" for k, v in extra.items())]  # fmt: skip
    return "/#" + "&".join(parts)


def open_race(page, url: str) -> None:
    page.goto(url)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("state.race !== null")


def to_last_step(page) -> None:
    page.locator("#step-slider").fill(str(page.evaluate("state.race.steps")))
    page.wait_for_function("state.step === state.race.steps")


def boxes_overlap(page, a: str, b: str) -> bool:
    return page.evaluate(
        """([a, b]) => {
            const p = document.querySelector(a).getBoundingClientRect();
            const q = document.querySelector(b).getBoundingClientRect();
            return !(p.right <= q.left || q.right <= p.left
                     || p.bottom <= q.top || q.bottom <= p.top);
        }""",
        [a, b],
    )


def test_a_ball_that_leaves_the_view_stays_marked_at_its_edge(device, artifacts):
    page, size, _ = device
    url = link("himmelblau", ["0,0"], 80, ["adam(lr=0.05)"], xlim="-1,2", ylim="-1,2.5")
    open_race(page, url)
    assert [page.input_value(f"#{a}lim-{e}") for a in "xy" for e in ("lo", "hi")] == [
        "-1", "2", "-1", "2.5"
    ]  # fmt: skip
    to_last_step(page)
    # adam runs on to the minimum at (3, 2), past x = 2: its ball waits on that edge
    head = page.evaluate(
        f"(t => [t.x[0], t.y[0], t.marker.symbol[0], t.marker.line.color[0], t.cliponaxis])"
        f"({HEADS})"
    )
    colour = page.evaluate("state.race.colours[0]")
    assert head[0] == pytest.approx(2.0) and -1 < head[1] < 2.5
    assert head[2:] == ["triangle-right-open", colour, False], "hollow, in its colour, uncut"
    trail = page.evaluate("map.data[state.firstTrail].x.filter(v => v !== null)")
    assert max(trail) == pytest.approx(2.0), "the trail is cut at the edge"
    legend = page.evaluate(LEGEND)
    assert "left the view (kept at its edge)" in legend
    assert "diverged (where last seen)" not in legend, "only the marks that occur"
    page.screenshot(path=str(artifacts / f"left-the-view-{size}.png"), full_page=True)
    # back inside the view, the ball is a ball again
    page.locator("#step-slider").fill("0")
    page.wait_for_function("state.step === 0")
    assert page.evaluate(f"{HEADS}.marker.symbol[0]") == "circle"

    press(page, size, "#view-surface")
    page.wait_for_function("map.data[0].type === 'surface'")
    to_last_step(page)
    assert page.evaluate(f"{HEADS}.marker.symbol[0]") == "circle-open"
    assert page.evaluate("map._fullLayout.scene.xaxis.range") == [-1, 2]
    page.screenshot(path=str(artifacts / f"left-the-view-surface-{size}.png"), full_page=True)


def test_balls_that_leave_at_one_place_nest_by_size(device):
    page, _, _ = device
    twins = ["adam(lr=0.05)", "adamw(lr=0.05, weight_decay=0)"]  # one path, two optimizers
    open_race(page, link("himmelblau", ["0,0"], 80, twins, xlim="-1,2", ylim="-1,2.5"))
    to_last_step(page)
    heads = page.evaluate(f"(t => [t.x, t.y, t.marker.symbol, t.marker.size])({HEADS})")
    (x1, x2), (y1, y2), symbols, sizes = heads
    assert (x1, y1) == pytest.approx((x2, y2)) and symbols == ["triangle-right-open"] * 2
    assert sizes[0] > sizes[1], "the first drawn is the larger: both stay seen"
    page.locator("#step-slider").fill("0")
    page.wait_for_function("state.step === 0")
    assert page.evaluate(f"{HEADS}.marker.size") == [12, 12], "balls in view keep one size"


def test_several_starts_have_their_own_dash_number_and_legend_entry(device, artifacts):
    page, size, _ = device
    starts = ["0,0", "-1,3", "2,-2"]
    open_race(page, link("himmelblau", starts, 60, ["momentum(lr=0.01)", "adam(lr=0.05)"]))
    dashes = page.evaluate(
        "[0, 1].map(k => [0, 1, 2].map(s => map.data[state.firstTrail + 3 * k + s].line.dash))"
    )
    assert dashes == [["solid", "dash", "dot"]] * 2
    losses = page.evaluate("loss.data.slice(6, 12).map(t => t.line.dash)")
    assert losses == ["solid", "dash", "dot"] * 2, "the loss curves keep the starts' dashes"
    numbered = page.evaluate("(t => [t.x, t.y, t.text])(map.data.find(t => t.name === 'start'))")
    assert numbered == [[0, -1, 2], [0, 3, -2], ["1", "2", "3"]]
    legend = page.evaluate(LEGEND)
    assert legend[-5:] == [
        "momentum(lr=0.01)", "adam(lr=0.05)",
        "start 1: (0, 0)", "start 2: (-1, 3)", "start 3: (2, -2)",
    ]  # fmt: skip
    assert not boxes_overlap(page, "#map .legend", "#map .nsewdrag"), "the legend hides no path"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    legend_box = page.locator("#map .legend").bounding_box()
    assert legend_box["x"] >= 0 and legend_box["x"] + legend_box["width"] <= width
    page.screenshot(path=str(artifacts / f"three-starts-{size}.png"), full_page=True)


def test_view_limits_are_checked_kept_in_the_link_and_reframe_the_map(device, context_for):
    page, size, _ = device
    press(page, size, "#race")
    page.wait_for_function("state.race !== null")
    race = dl.run("beale", page.evaluate("state.race.labels"), starts=[[1, 1.5]], steps=300)
    auto = frame(race)
    assert page.evaluate("state.race.view") == [list(auto[0]), list(auto[1])]

    page.fill("#xlim-lo", "3")
    page.fill("#xlim-hi", "1")
    press(page, size, "#race")
    assert page.inner_text("#race-error") == "View: x from (3) must be under x to (1)"
    assert page.locator("#xlim-row input.invalid").count() == 2
    assert page.evaluate("state.race.view") == [list(auto[0]), list(auto[1])]  # kept
    page.fill("#xlim-hi", "")
    press(page, size, "#race")
    assert page.inner_text("#race-error") == (
        "View: give x from and to as two numbers, or leave both blank to frame the race"
    )
    assert page.locator("input.invalid").count() == 1

    page.fill("#xlim-lo", "-4")
    page.fill("#xlim-hi", "4")
    press(page, size, "#race")
    page.wait_for_function("state.race !== null && state.race.view[0][0] === -4")
    assert page.inner_text("#race-error") == "" and page.locator("input.invalid").count() == 0
    view = page.evaluate("state.race.view")
    assert view[0] == [-4, 4] and view[1] == list(frame(race, xlim=[-4, 4])[1])
    # the contours are sampled over the view shown, not the domain
    assert page.evaluate("[map.data[0].x[0], map.data[0].x.at(-1)]") == [-4, 4]
    assert page.evaluate("map._fullLayout.xaxis.range") == [-4, 4]
    assert "xlim=-4%2C4" in page.evaluate("location.hash")
    assert "ylim" not in page.evaluate("location.hash"), "a blank axis is framed, not kept"

    press(page, size, "#share")
    other = context_for(size).new_page()
    open_race(other, page.input_value("#share-url"))
    assert [other.input_value("#xlim-lo"), other.input_value("#xlim-hi")] == ["-4", "4"]
    assert other.input_value("#ylim-lo") == ""
    assert other.evaluate("state.race.view") == view
    other.close()

    page.set_checked("#whole-domain", True)  # reframes the race shown
    page.wait_for_function("state.race !== null && state.race.view[0][0] === -4.5")
    assert page.evaluate("state.race.view") == [[-4.5, 4.5], [-4.5, 4.5]]
    assert page.is_disabled("#xlim-lo") and page.is_disabled("#ylim-hi")
    assert "frame=domain" in page.evaluate("location.hash")


def test_typing_the_limits_field_by_field_reframes_the_race_once_they_make_a_view(device):
    page, size, _ = device
    press(page, size, "#race")
    page.wait_for_function("state.race !== null")
    before = page.evaluate("state.race.view")
    for field, value in (("#xlim-lo", "0"), ("#xlim-hi", "3.5"), ("#ylim-lo", "-0.5")):
        page.fill(field, value)
        page.dispatch_event(field, "change")  # leaving the field
        if field != "#xlim-hi":  # a pair half typed waits for its other end
            assert page.inner_text("#race-error") == ""
            assert page.evaluate("state.race.view") is not None
    page.wait_for_function("state.race !== null && state.race.view[0][0] === 0")
    assert page.evaluate("state.race.view[0]") == [0, 3.5] and before[0] != [0, 3.5]
    page.fill("#ylim-hi", "2")
    page.dispatch_event("#ylim-hi", "change")
    page.wait_for_function("state.race !== null && state.race.view[1][1] === 2")
    assert page.evaluate("state.race.view") == [[0, 3.5], [-0.5, 2]]
    assert page.inner_text("#race-error") == ""
    page.fill("#ylim-hi", "-1")  # refused: said, and the race shown stays
    page.dispatch_event("#ylim-hi", "change")
    page.wait_for_function("document.getElementById('race-error').textContent !== ''")
    assert page.inner_text("#race-error") == "View: y from (-0.5) must be under y to (-1)"
    assert page.evaluate("state.race.view") == [[0, 3.5], [-0.5, 2]]


def test_a_view_past_the_domain_marks_the_domains_edge(device, artifacts):
    page, size, _ = device
    open_race(page, link("himmelblau", ["0,0"], 40, ["adam(lr=0.05)"], xlim="-6,6", ylim="-5,5"))
    assert page.evaluate("state.race.past_domain") is True
    legend = page.evaluate(LEGEND)
    assert "domain's edge (outside veiled)" in legend
    veil = page.evaluate("map.data.find(t => t.fill === 'toself')")
    xs = [v for v in veil["x"] if v is not None]
    assert sorted(set(xs)) == [-6, -5, 5, 6], "veils the strips past x = -5 and x = 5 only"
    page.screenshot(path=str(artifacts / f"past-the-domain-{size}.png"), full_page=True)
    press(page, size, "#view-surface")
    page.wait_for_function("map.data[0].type === 'surface'")
    edge = page.evaluate('map.data.find(t => t.name === "domain\'s edge")')
    assert edge["type"] == "scatter3d" and edge["line"]["dash"] == "dash"
    assert min(edge["x"]) == -5 and max(edge["x"]) == 5

    open_race(page, link("himmelblau", ["0,0"], 40, ["adam(lr=0.05)"]))
    assert page.evaluate("state.race.past_domain") is False
    assert not any("domain" in name for name in page.evaluate(LEGEND))


@pytest.fixture
def context_for(browser, base_url):
    """New contexts at a size, closed after the test."""
    made = []

    def new(size: str):
        context = browser.new_context(base_url=base_url, **SIZES[size])
        context.set_default_timeout(20_000)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def test_a_1d_curve_takes_x_limits_only(device, artifacts):
    page, size, _ = device
    open_race(page, link("parabola", ["10"], 10, ["sgd(lr=0.2)"], xlim="-2,12"))
    assert not page.is_visible("#ylim-row") and page.is_visible("#xlim-row")
    assert page.evaluate("state.race.view") == [[-2, 12]]
    assert page.evaluate("map._fullLayout.xaxis.range") == [-2, 12]
    assert page.evaluate("[map.data[0].x[0], map.data[0].x.at(-1)]") == [-2, 12]
    assert page.inner_text("#race-error") == ""
    page.screenshot(path=str(artifacts / f"curve-limits-{size}.png"))
