"""End to end: a person picks Beale and three optimizers, clicks a start, races, shares
and exports; Chromium runs the page, uvicorn the API, nothing is mocked."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import descentlab as dl
from descentlab.viz.framing import frame

pytestmark = pytest.mark.browser

THREE = ["nesterov", "rmsprop", "adam"]


def open_page(page, path: str = "/") -> None:
    page.goto(path)
    page.wait_for_selector("body[data-ready=true]")


def choose(page, landscape: str, optimizers: list[str]) -> None:
    page.select_option("#landscape-select", landscape)
    page.wait_for_function(f"state.landscape && state.landscape.name === {landscape!r}")
    for name in ["sgd", "momentum", "adam", *optimizers]:
        page.set_checked(f"#opt-{name}", name in optimizers)


def click_map(page, x: float, y: float) -> None:
    """Click the contour map where the data point (x, y) is drawn (scrolled to the top,
    where the map is, so that the sticky header covers none of it)."""
    page.evaluate("window.scrollTo(0, 0)")
    point = page.evaluate(
        """([x, y]) => {
            const gd = document.getElementById("map"), box = gd.getBoundingClientRect();
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            return [box.left + xa._offset + xa.d2p(x), box.top + ya._offset + ya.d2p(y)];
        }""",
        [x, y],
    )
    page.mouse.click(*point)


def slider(page) -> int:
    return int(page.input_value("#step-slider"))


def test_race_three_optimizers_on_beale_from_a_clicked_start(page, artifacts):
    open_page(page)
    choose(page, "beale", THREE)
    page.fill("#opt-adam-lr", "0.1")
    page.fill("#steps", "300")
    page.click("#clear-starts")
    click_map(page, 1.0, 1.5)
    start = [
        float(v) for v in page.locator("#starts li input").evaluate_all("e => e.map(i => i.value)")
    ]
    assert start == pytest.approx([1.0, 1.5], abs=0.03)
    # each ticked optimizer shows its update rule, typeset
    page.wait_for_function(
        "[...document.querySelectorAll('#optimizers .opt.on .formula img')]"
        ".filter(i => i.complete && i.naturalWidth > 100).length === 3"
    )

    page.click("#race")
    page.wait_for_function("state.race !== null && state.step > 0")
    first = slider(page)
    page.wait_for_function(f"Number(document.getElementById('step-slider').value) > {first}")
    assert slider(page) > first, "the animation plays: the slider moves"
    page.click("#play")  # pause mid-race ...
    paused = slider(page)
    page.wait_for_timeout(300)
    assert slider(page) == paused
    page.locator("#step-slider").fill("300")  # ... and drag to the end
    page.wait_for_function("state.step === 300")

    labels = page.evaluate("state.race.labels")
    assert labels == ["nesterov", "rmsprop", "adam(lr=0.1)"]
    race = dl.run("beale", ["nesterov", "rmsprop", "adam(lr=0.1)"], starts=[start], steps=300)
    shown = np.asarray(page.evaluate("state.race.positions"))
    np.testing.assert_array_equal(shown, race.positions)
    # the balls on the map and the heads of the loss curves sit at step 300
    heads = page.evaluate("(d => [d.at(-1).x, d.at(-1).y])(document.getElementById('map').data)")
    np.testing.assert_allclose(np.asarray(heads).T, race.positions[:, 0, 300], rtol=1e-6)
    loss = page.evaluate("document.getElementById('loss').data.map(t => t.y.length)")
    assert loss == [301] * 3 + [301] * 3 + [3], "faint full curves, drawn curves, one head each"
    assert page.inner_text("#race-error") == ""
    page.screenshot(path=str(artifacts / "race-contour.png"), full_page=True)

    page.click("#view-surface")
    page.wait_for_function("document.getElementById('map').data[0].type === 'surface'")
    page.screenshot(path=str(artifacts / "race-surface.png"))
    assert "view=surface" in page.evaluate("location.hash"), "the address holds the view"


def test_a_bad_expression_shows_its_error_under_the_field(page, artifacts):
    open_page(page)
    page.select_option("#landscape-select", "__expression__")
    page.fill("#expression", "x**2 + 3*sin(y")
    page.press("#expression", "Enter")
    error = page.locator("#landscape-error")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("bad expression 'x**2 + 3*sin(y': '(' was never closed")
    hint = page.locator("#landscape-error .allowed")  # from the refusal's field, not its text
    assert hint.inner_text().startswith("allowed: numbers, x, y, pi, e,")
    assert "invalid" in page.get_attribute("#expression", "class")
    page.screenshot(path=str(artifacts / "bad-expression.png"))

    page.fill("#expression", "x**2 - y**2")
    page.click("#expression-apply")
    page.wait_for_function("state.landscape.expression === 'x**2 - y**2'")
    assert page.inner_text("#landscape-error") == ""


def test_a_share_link_restores_the_configuration_and_reruns(page, context, base_url, artifacts):
    open_page(page)
    choose(page, "himmelblau", ["momentum", "adam"])
    page.fill("#opt-momentum-lr", "0.01")
    page.fill("#opt-adam-lr", "0.05")
    page.fill("#opt-adam-betas-0", "0.8")
    page.fill("#steps", "60")
    click_map(page, -1.0, 2.0)  # a second start, after the landscape's own
    page.click("#race")
    page.wait_for_function("state.race !== null")
    page.click("#share")
    url = page.input_value("#share-url")
    assert url.startswith(f"{base_url}/#") and "opt=adam" in url
    expected = page.evaluate("state.race")

    other = context.new_page()
    other.goto(url)
    other.wait_for_function("state.race !== null && state.race.steps === 60")
    assert other.input_value("#landscape-select") == "himmelblau"
    assert other.input_value("#steps") == "60"
    assert other.is_checked("#opt-momentum") and other.is_checked("#opt-adam")
    assert not other.is_checked("#opt-sgd")
    assert other.input_value("#opt-adam-lr") == "0.05"
    assert other.input_value("#opt-adam-betas-0") == "0.8"
    assert other.input_value("#opt-adam-betas-1") == "0.999"
    assert "active" in other.get_attribute("#view-contour", "class")
    restored = other.evaluate("state.race")
    assert (
        restored["labels"]
        == expected["labels"]
        == [
            "momentum(lr=0.01)",
            "adam(lr=0.05, betas=(0.8, 0.999))",
        ]
    )
    assert restored["starts"] == expected["starts"] and len(expected["starts"]) == 2
    assert restored["positions"] == expected["positions"]
    other.screenshot(path=str(artifacts / "shared-link.png"))
    other.close()


def test_the_sweep_tab_maps_basins_and_its_link_keeps_the_learning_rate(page, context, artifacts):
    open_page(page)
    choose(page, "himmelblau", ["adam"])
    page.click("#tab-sweep")
    page.select_option("#sweep-optimizer", "adam")
    page.fill("#sweep-resolution", "16")
    page.fill("#sweep-steps", "80")
    page.click("#sweep-run")
    page.wait_for_function("state.sweep !== null")
    page.locator("#lr-slider").fill("12")  # lr = 0.1
    assert page.inner_text("#lr-label") == "lr = 0.1"
    title = page.evaluate("document.getElementById('basin').layout.title.text")
    assert title == "adam with lr = 0.1 on himmelblau"
    basins = np.asarray(page.evaluate("document.getElementById('basin').data[0].z"))
    frame = dl.sweep("himmelblau", "adam", grid={"lr": [0.1]},
                     starts=dl.grid_starts("himmelblau", 16), steps=80).to_frame()  # fmt: skip
    # viz.basins's codes, shifted: 0 diverged, 1 no known minimum reached, 2 + i minimum i
    code = np.where(frame.diverged, -2, np.where(frame.steps_to_tol < 0, -1, frame.basin))
    np.testing.assert_array_equal(basins.ravel(), code + 2)
    assert basins.shape == (16, 16) and set(np.unique(basins)) >= {2, 3, 4, 5}
    page.screenshot(path=str(artifacts / "sweep.png"))

    page.click("#share")
    other = context.new_page()
    other.goto(page.input_value("#share-url"))
    other.wait_for_function("state.sweep !== null")
    assert other.is_visible("#sweep-panel") and not other.is_visible("#race-panel")
    assert other.inner_text("#lr-label") == "lr = 0.1"
    assert other.input_value("#sweep-resolution") == "16"
    again = np.asarray(other.evaluate("document.getElementById('basin').data[0].z"))
    np.testing.assert_array_equal(again, basins)
    other.close()


def test_export_downloads_a_gif_of_the_race_framed_as_the_page_asks(page, artifacts):
    open_page(page)
    choose(page, "beale", THREE)
    page.fill("#steps", "40")
    page.fill("#xlim-lo", "-1")
    page.fill("#xlim-hi", "4")
    page.click("#race")
    page.wait_for_function("state.race !== null && state.race.view[0][0] === -1")
    with page.expect_request("**/api/export") as request, page.expect_download() as download:
        page.click("#export-gif")
    sent = request.value.post_data_json
    assert sent["xlim"] == [-1, 4] and "ylim" not in sent, "blank y: framed on the race"
    path = artifacts / "beale-race.gif"
    download.value.save_as(path)
    assert download.value.suggested_filename == "beale-race.gif"
    with Image.open(path) as image:
        assert image.format == "GIF" and image.size == (800, 600)
        assert image.n_frames == 41
    page.wait_for_function(
        "document.getElementById('export-status').textContent.startsWith('Downloaded')"
    )


def test_a_divergence_is_named_and_its_cross_sits_on_the_edge_of_the_view(page, artifacts):
    open_page(page)
    choose(page, "rosenbrock", ["sgd"])
    page.fill("#opt-sgd-lr", "1")
    page.fill("#steps", "20")
    page.click("#race")
    page.wait_for_function("state.race !== null")
    assert page.inner_text("#race-diverged") == "sgd(lr=1) diverged at step 2."
    assert page.inner_text("#race-status").startswith("rosenbrock: 1 optimizer(s)")
    race = dl.run("rosenbrock", ["sgd(lr=1)"], starts=[[-1.5, 2.0]], steps=20)
    (x0, x1), (y0, y1) = frame(race)
    # the map shows the frame of the path and the minimum, and no more
    shown = page.evaluate("[map._fullLayout.xaxis.range, map._fullLayout.yaxis.range]")
    assert shown == [[pytest.approx(x0), pytest.approx(x1)], [pytest.approx(y0), pytest.approx(y1)]]
    page.locator("#step-slider").fill("1")
    page.wait_for_function("state.step === 1")
    # (-1.5, 2) -> (153.5, 52) leaves the view through its top edge: a hollow triangle
    # there, pointing up and right, where the ball is
    a, b = race.positions[0, 0, 0], race.positions[0, 0, 1]
    t = (y1 - a[1]) / (b[1] - a[1])
    edge = [a[0] + t * (b[0] - a[0]), y1]
    head = page.evaluate("(t => [t.x[0], t.y[0], t.marker.symbol[0]])(map.data.at(-3))")
    assert head == [pytest.approx(edge[0]), pytest.approx(edge[1]), "triangle-ne-open"]
    page.locator("#step-slider").fill("20")
    page.wait_for_function("state.step === 20")
    head = page.evaluate("(t => [t.x[0], t.y[0], t.marker.symbol[0]])(map.data.at(-3))")
    assert head == [pytest.approx(edge[0]), pytest.approx(edge[1]), "x"], "its X stays there"
    trail = page.evaluate("(t => [t.x, t.y])(map.data[state.firstTrail])")
    assert trail == [[-1.5, pytest.approx(edge[0]), None], [2.0, pytest.approx(edge[1]), None]]
    legend = page.evaluate("map.data.filter(t => t.showlegend !== false).map(t => t.name)")
    assert legend[-2:] == ["left the view (kept at its edge)", "diverged (where last seen)"]
    # the loss curve ends at the last good step and marks it
    curve = page.evaluate("[loss.data[1].x, loss.data.at(-1).x, loss.data.at(-1).marker.symbol]")
    assert curve == [[0, 1], [1], ["x"]]
    page.screenshot(path=str(artifacts / "divergence.png"))
    page.click("#add-start")
    page.click("#add-start")
    for field, value in (("start 2 x", "0"), ("start 2 y", "2"), ("start 3 x", "1.5"),
                         ("start 3 y", "-0.5")):  # fmt: skip
        page.fill(f"[aria-label='{field}']", value)
        page.dispatch_event(f"[aria-label='{field}']", "change")
    page.click("#race")
    page.wait_for_function("state.race !== null && state.race.starts.length === 3")
    first = min(page.evaluate("state.race.diverged_at[0]"))
    assert min(page.evaluate("state.race.diverged_at[0]")) > 0  # from every start
    assert page.inner_text("#race-diverged") == (
        f"sgd(lr=1) diverged from all 3 starts (first at step {first})."
    )


def test_race_refuses_an_invalid_expression_instead_of_racing_the_old_landscape(page):
    open_page(page)
    page.select_option("#landscape-select", "__expression__")
    page.fill("#expression", "x**2 + 3*sin(y")
    page.click("#race")
    page.wait_for_function("document.getElementById('race-error').textContent !== ''")
    assert page.inner_text("#race-error").startswith("The expression is invalid")
    assert page.evaluate("state.race") is None
    page.fill("#expression", "x**2 + y**2")
    page.click("#race")  # the typed expression is applied, then raced
    page.wait_for_function("state.race !== null")
    assert page.evaluate("state.race.landscape.expression") == "x**2 + y**2"


def test_a_server_error_marks_the_optimizer_and_clears_the_old_race(page):
    open_page(page)
    page.click("#race")
    page.wait_for_function("state.race !== null")
    page.fill("#opt-momentum-lr", "-1")
    page.click("#race")
    page.wait_for_function("document.getElementById('race-error').textContent !== ''")
    assert page.inner_text("#race-error") == "momentum(lr=-1): lr must be >= 0, got -1"
    assert "invalid" in page.get_attribute("#opt-momentum-lr", "class")
    assert page.locator(".opt.blamed").count() == 1
    assert page.evaluate("state.race") is None and page.inner_text("#race-status") == ""


def test_a_refusal_marks_the_card_it_names_by_place_not_by_its_text(page):
    open_page(page)  # sgd, momentum and adam are chosen: sgd and momentum share a class
    page.fill("#opt-momentum-lr", "1e39")  # refused only when it steps, in float32
    page.click("#race")
    page.wait_for_function("document.getElementById('race-error').textContent !== ''")
    assert page.inner_text("#race-error").startswith(
        "momentum(lr=1e+39): a hyperparameter is too large for torch.float32"
    )
    blamed = page.locator(".opt.blamed")
    assert blamed.count() == 1 and "momentum" in blamed.inner_text()
    assert page.locator(".invalid").count() == 0  # it names no single hyperparameter
    page.fill("#opt-momentum-lr", "0.001")
    page.click("#race")
    page.wait_for_function("state.race !== null")
    assert page.locator(".opt.blamed").count() == 0


def test_a_broken_share_link_falls_back_to_defaults_with_a_notice(page, artifacts):
    open_page(page, "/#landscape=nosuch&steps=-5&opt=adam&start=1,1")
    page.wait_for_function("state.race !== null")
    assert page.input_value("#landscape-select") == "beale"
    assert page.input_value("#steps") == "300"
    assert page.inner_text("#notice-text") == (
        "This link had invalid parts (steps, landscape); the defaults are used for them."
    )
    assert page.inner_text("#landscape-error") == "" and page.inner_text("#race-error") == ""
    page.screenshot(path=str(artifacts / "broken-link.png"))


def test_animations_are_off_for_1d_landscapes(page):
    open_page(page)
    page.select_option("#landscape-select", "parabola")
    page.wait_for_function("state.landscape.name === 'parabola'")
    assert page.is_disabled("#export-gif") and page.is_disabled("#export-mp4")
    assert "needs a 2-D landscape" in page.get_attribute("#export-gif", "title")
    assert page.is_enabled("#export-csv")


def test_sweep_messages_speak_of_the_fields(page):
    open_page(page)
    page.click("#tab-sweep")
    page.fill("#sweep-resolution", "1")
    page.click("#sweep-run")
    assert page.inner_text("#sweep-error") == "Starts per axis must be at least 2"
    page.fill("#sweep-resolution", "60")
    page.fill("#sweep-steps", "1000")
    page.click("#sweep-run")
    assert page.inner_text("#sweep-error").startswith(
        "This sweep is too large: reduce starts per axis or steps (at most 20,000,000"
    )


@pytest.mark.parametrize("width", [1400, 900])
def test_the_map_and_race_button_are_near_the_top(page, artifacts, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_page(page)
    page.click("#race")
    page.wait_for_function("state.race !== null")
    race, plot = page.locator("#race").bounding_box(), page.locator("#map").bounding_box()
    assert race["y"] < 150 and plot["y"] < 200 and plot["width"] > 450
    page.screenshot(path=str(artifacts / f"layout-{width}.png"))


def test_the_fields_take_their_bounds_from_the_servers_limits(page, base_url):
    import httpx

    limits = httpx.get(f"{base_url}/api/limits").json()
    open_page(page)
    assert page.evaluate("state.limits") == limits
    bounds = page.evaluate(
        "['steps', 'sweep-steps', 'sweep-resolution'].map(id => [$(id).min, $(id).max])"
    )
    steps, resolution = limits["steps"], limits["sweep_starts"]
    assert bounds == [[str(steps["min"]), str(steps["max"])]] * 2 + [
        [str(resolution["min"]), str(resolution["max"])]
    ]
    assert page.input_value("#sweep-resolution") == str(resolution["default"])
    assert page.evaluate("$('expression').maxLength") == limits["expression_length"]
