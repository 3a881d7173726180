"""The page at a desktop size and on a phone (390x844, touch): what a person taps, the
page does once; what it shows describes what is on the page; nothing overlaps or
spills; the page throws nothing."""

from __future__ import annotations

import numpy as np
import pytest

import descentlab as dl
from tests.browser.sizes import SIZES, press

pytestmark = pytest.mark.browser


def map_point(page, x: float, y: float) -> tuple[float, float]:
    """Where the data point (x, y) is drawn on the contour map, in the viewport."""
    page.locator("#map").scroll_into_view_if_needed()
    return tuple(
        page.evaluate(
            """([x, y]) => {
                const gd = document.getElementById("map"), box = gd.getBoundingClientRect();
                const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                return [box.left + xa._offset + xa.d2p(x), box.top + ya._offset + ya.d2p(y)];
            }""",
            [x, y],
        )
    )


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_one_tap_on_the_map_adds_one_start(device, artifacts):
    page, size, _ = device
    press(page, size, "#clear-starts")
    assert page.locator("#starts li").count() == 0
    for count, (x, y) in enumerate([(1.0, 1.5), (-2.0, -2.0)], start=1):
        point = map_point(page, x, y)
        if size == "phone":
            page.touchscreen.tap(*point)
        else:
            page.mouse.click(*point)
        page.wait_for_timeout(700)  # time for a second, synthetic click to arrive
        assert page.locator("#starts li").count() == count, f"one {size} tap, one start"
    starts = page.evaluate("state.starts")
    assert starts == [pytest.approx([1.0, 1.5], abs=0.05), pytest.approx([-2.0, -2.0], abs=0.05)]
    page.screenshot(path=str(artifacts / f"starts-tapped-{size}.png"))


def test_switching_landscape_while_a_race_plays_stops_it_and_clears_its_messages(device, artifacts):
    page, size, errors = device
    page.fill("#steps", "1000")
    page.select_option("#speed", "0.25")  # 24 s of animation: still playing below
    press(page, size, "#race")
    page.wait_for_function("state.race !== null && state.playing && state.step > 0")
    with page.expect_download():
        press(page, size, "#export-csv")
    page.wait_for_function("$('export-status').textContent.startsWith('Downloaded')")
    press(page, size, "#share")
    assert page.is_visible("#share-box")
    assert page.inner_text("#race-status").startswith("beale: 3 optimizer(s)")
    page.screenshot(path=str(artifacts / f"race-playing-{size}.png"))

    page.select_option("#landscape-select", "himmelblau")
    page.wait_for_function("state.landscape.name === 'himmelblau'")
    page.wait_for_timeout(400)  # animation frames that would read the old race
    assert errors == []
    assert page.evaluate("[state.race, state.playing]") == [None, False]
    assert page.get_attribute("#play", "aria-label") == "play", "the button shows play again"
    assert page.inner_text("#race-status") == "" and page.inner_text("#race-diverged") == ""
    assert page.inner_text("#export-status") == "", "the download described the old race"
    assert not page.is_visible("#share-box"), "the link described the old landscape"
    page.screenshot(path=str(artifacts / f"landscape-switched-{size}.png"))


def test_a_share_link_shown_goes_when_the_configuration_changes(device):
    page, size, _ = device
    press(page, size, "#share")
    assert page.is_visible("#share-box")
    page.fill("#steps", "50")
    page.dispatch_event("#steps", "change")
    assert not page.is_visible("#share-box")


def test_the_player_fits_its_card(device, artifacts):
    page, size, _ = device
    press(page, size, "#race")
    page.wait_for_function("state.race !== null")
    play = page.locator("#play").bounding_box()
    assert play["width"] == pytest.approx(36, abs=0.5) and play["height"] == pytest.approx(
        36, abs=0.5
    )
    clipped = page.evaluate("(b => b.scrollWidth > b.clientWidth)(document.getElementById('play'))")
    assert not clipped, "the play button shows its whole icon"
    panel = page.locator("#race-panel").bounding_box()
    width = page.viewport_size["width"]
    for selector in ["#speed", "#step-slider", "#step-label", "#play"]:
        box = page.locator(selector).bounding_box()
        assert box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"], (
            f"{selector} spills out of its card at {size} size"
        )
        assert box["x"] + box["width"] <= width
    page.locator(".player").screenshot(path=str(artifacts / f"player-{size}.png"))


def test_the_plot_toolbar_leaves_the_legends_clear(device, artifacts):
    page, size, _ = device
    press(page, size, "#race")
    page.wait_for_function("state.race !== null")
    for plot in ["#map", "#loss"]:
        page.locator(plot).hover()
        bar = page.locator(f"{plot} .modebar").bounding_box()
        legend = page.locator(f"{plot} .legend").bounding_box()
        assert bar and legend
        assert not overlap(bar, legend), f"the toolbar covers the legend of {plot} at {size} size"
    page.screenshot(path=str(artifacts / f"race-{size}.png"), full_page=True)


def test_the_basin_map_leaves_starts_that_reached_no_minimum_as_such(device, artifacts):
    page, size, _ = device
    press(page, size, "#tab-sweep")
    page.select_option("#landscape-select", "himmelblau")
    page.wait_for_function("state.landscape.name === 'himmelblau'")
    page.select_option("#sweep-optimizer", "sgd")
    page.fill("#sweep-resolution", "12")
    page.fill("#sweep-steps", "80")
    press(page, size, "#sweep-run")
    page.wait_for_function("state.sweep !== null")
    lrs = page.evaluate("state.sweep.maps.map(m => m.lr)")
    frame = dl.sweep(
        "himmelblau", "sgd", grid={"lr": lrs}, starts=dl.grid_starts("himmelblau", 12), steps=80
    ).to_frame()

    page.locator("#lr-slider").fill("0")  # lr = 1e-4: too slow to reach any minimum
    assert page.inner_text("#sweep-summary").startswith(
        "lr = 1.00e-4: 0 of 144 starts come within 0.001 of the lowest known value"
    )
    z = np.asarray(page.evaluate("basin.data[0].z"))
    assert (z == 1).all(), "no start is coloured by a minimum it never reached"
    legend = page.evaluate(
        "basin.data.filter(t => t.type === 'scatter' && t.showlegend !== false).map(t => t.name)"
    )
    assert legend[:2] == ["diverged", "no known minimum reached"] and len(legend) == 6
    page.locator("#basin").hover()
    bar = page.locator("#basin .modebar").bounding_box()
    for selector in ["#basin .legend", "#basin .gtitle"]:
        assert not overlap(bar, page.locator(selector).bounding_box()), selector
    page.screenshot(path=str(artifacts / f"sweep-none-reached-{size}.png"), full_page=True)

    page.locator("#lr-slider").fill("4")  # lr = 1e-3: some reach a minimum, most do not
    rows = frame[frame.lr == lrs[4]]
    code = np.where(rows.diverged, -2, np.where(rows.steps_to_tol < 0, -1, rows.basin))
    z = np.asarray(page.evaluate("basin.data[0].z"))
    np.testing.assert_array_equal(z.ravel(), code + 2)  # the rule of viz.basins
    assert 0 < (z >= 2).sum() < z.size
    page.screenshot(path=str(artifacts / f"sweep-some-reached-{size}.png"), full_page=True)


def test_the_sweep_tab_shows_only_what_a_sweep_uses(device, artifacts):
    page, size, _ = device
    cards = (
        "[...document.querySelectorAll('.opt')].filter(e => !e.hidden)"
        ".map(e => e.querySelector('label span:last-child').textContent)"
    )
    assert page.is_visible("#starts-card") and len(page.evaluate(cards)) > 5
    press(page, size, "#tab-sweep")
    assert not page.is_visible("#starts-card"), "a sweep makes its own grid of starts"
    page.select_option("#sweep-optimizer", "momentum")
    assert page.evaluate(cards) == ["momentum"]
    assert page.text_content("#optimizers-title") == "momentum: the sweep sets lr"
    lr = page.locator("#optimizers .opt:not([hidden]) .params input >> nth=0")
    assert (
        lr.is_disabled() and lr.input_value() == "" and "swept" in lr.get_attribute("placeholder")
    )
    momentum = page.locator("#optimizers .opt:not([hidden]) .params input >> nth=1")
    momentum.fill("0.5")
    momentum.dispatch_event("change")
    page.fill("#sweep-resolution", "4")
    page.fill("#sweep-steps", "5")
    press(page, size, "#sweep-run")
    page.wait_for_function("state.sweep !== null")
    assert page.evaluate("state.sweep.optimizer") == "momentum(momentum=0.5)"  # the card's value
    page.screenshot(path=str(artifacts / f"sweep-cards-{size}.png"), full_page=True)
    press(page, size, "#tab-race")
    assert page.is_visible("#starts-card")
    assert len(page.evaluate(cards)) > 5 and not page.is_disabled("#steps")
    if page.evaluate("state.optimizers.get('momentum').checked"):
        assert (
            page.input_value("#optimizers .opt:has(#opt-momentum) .params input >> nth=0")
            == "0.001"
        )


def test_the_address_follows_the_sweep_controls(device):
    page, size, _ = device
    press(page, size, "#tab-sweep")
    page.select_option("#sweep-colour", "steps_to_tol")
    assert "colour=steps_to_tol" in page.evaluate("location.hash")
    page.locator("#lr-slider").fill("3")
    assert "lr=3" in page.evaluate("location.hash")
    page.select_option("#sweep-optimizer", "rmsprop")
    assert "sopt=rmsprop" in page.evaluate("location.hash")


def test_every_kind_of_hyperparameter_has_its_input_and_the_address_keeps_it(device, artifacts):
    """A choice is a select, a whole number steps by one, None is an empty field, and
    infinity reads inf; ticking the widest cards spills nothing off a phone; a chosen
    line search survives the share link and races."""
    page, size, _ = device
    for name in ("lbfgs", "muon", "prodigy", "adafactor"):
        press(page, size, f"#opt-{name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["viewport"]["width"]
    line_search = page.locator("#opt-lbfgs-line_search_fn")
    assert line_search.evaluate("e => e.tagName") == "SELECT"
    assert line_search.evaluate("e => [...e.options].map(o => o.text)") == ["None", "strong_wolfe"]
    assert page.get_attribute("#opt-lbfgs-history_size", "step") == "1"
    assert page.input_value("#opt-lbfgs-max_eval") == ""
    assert page.get_attribute("#opt-lbfgs-max_eval", "placeholder") == "None"
    assert page.input_value("#opt-prodigy-growth_rate") == "inf"
    assert page.input_value("#opt-adafactor-eps-0") == ""
    assert page.input_value("#opt-muon-ns_coefficients-2") == "2.0315"
    line_search.select_option("strong_wolfe")
    page.locator("#opt-lbfgs").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / f"hyperparameter-kinds-{size}.png")
    press(page, size, "#share")
    link = page.input_value("#share-url")
    ticked = page.locator(".opt.on").count()
    assert "line_search_fn%3D%27strong_wolfe%27" in link
    page.goto(link)
    page.wait_for_selector("body[data-ready=true]")
    assert page.input_value("#opt-lbfgs-line_search_fn") == "strong_wolfe"
    press(page, size, "#race")
    page.wait_for_function("document.getElementById('race-status').textContent.includes(' in ')")
    assert f"{ticked} optimizer(s)" in page.inner_text("#race-status")


def test_a_loss_of_exactly_zero_keeps_the_loss_axis_logarithmic(device, artifacts):
    """Strong-Wolfe L-BFGS reaches Beale's minimum exactly: the other curves stay readable."""
    page, size, _ = device
    spec = "lbfgs%28line_search_fn%3D%27strong_wolfe%27%29"
    page.goto(
        f"/#tab=race&landscape=beale&start=1%2C1.5&steps=100&opt=adam%28lr%3D0.1%29&opt={spec}"
    )
    page.wait_for_selector("body[data-ready=true]")
    press(page, size, "#race")
    page.wait_for_function("document.getElementById('race-status').textContent.includes(' in ')")
    race_losses = page.evaluate("document.getElementById('loss').data.map((t) => t.y)")
    assert page.evaluate("document.getElementById('loss')._fullLayout.yaxis.type") == "log"
    drawn = [v for trace in race_losses for v in (trace or []) if v is not None]
    assert min(drawn) > 0  # the zeros sit on the floor, above 0
    page.locator("#loss").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / f"loss-axis-with-a-zero-{size}.png")
