"""End to end: a person picks Beale and three optimizers, clicks a start, races, shares
and exports; Chromium runs the page, uvicorn the API, nothing is mocked."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import descentlab as dl

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
    """Click the contour map where the data point (x, y) is drawn."""
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
    assert basins.shape == (16, 16) and set(np.unique(basins)) == {1, 2, 3, 4}
    frame = dl.sweep("himmelblau", "adam", grid={"lr": [0.1]},
                     starts=dl.grid_starts("himmelblau", 16), steps=80).to_frame()  # fmt: skip
    np.testing.assert_array_equal(basins.ravel(), frame.basin + 1)
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


def test_export_downloads_a_gif_of_the_race(page, artifacts):
    open_page(page)
    choose(page, "beale", THREE)
    page.fill("#steps", "40")
    page.click("#race")
    page.wait_for_function("state.race !== null")
    with page.expect_download() as download:
        page.click("#export-gif")
    path = artifacts / "beale-race.gif"
    download.value.save_as(path)
    assert download.value.suggested_filename == "beale-race.gif"
    with Image.open(path) as image:
        assert image.format == "GIF" and image.size == (640, 480)
        assert image.n_frames == 41
    page.wait_for_function(
        "document.getElementById('export-status').textContent.startsWith('Downloaded')"
    )
