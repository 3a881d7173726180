"""Interactive races: frames carry only trajectories, and the page is small and offline."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

import descentlab as dl
from descentlab import viz
from descentlab.viz.interactive import PLOTLY_JS

RACERS = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]


@pytest.fixture(scope="module")
def race():
    return dl.run("beale", ["sgd(lr=1e-3)", "adam(lr=0.1)"], starts=[(1.0, 1.5), (-1.0, -1.0)],
                  steps=60)  # fmt: skip


@pytest.fixture(scope="module")
def big_race():
    return dl.run("beale", RACERS, steps=100)


def figure_in(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="figure">(.*?)</script>', text, re.S)
    assert found, "the page holds no figure"
    return json.loads(found.group(1))


def decode(value: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])


@pytest.mark.parametrize(("kind", "background"), [("contour", go.Contour), ("surface", go.Surface)])
def test_frames_hold_only_the_trajectories(race, kind, background):
    figure = viz.interactive(race, kind=kind)
    assert isinstance(figure.data[0], background)
    assert len(figure.frames) == 61
    for frame in figure.frames[::20]:
        assert len(frame.data) == 4  # 2 optimizers x 2 starts, no landscape
        assert tuple(frame.traces) == (1, 2, 3, 4)
    last = figure.frames[-1].data[2]  # adam from the first start
    np.testing.assert_allclose(np.column_stack([last.x, last.y]), race.positions[1, 0], rtol=1e-6)
    buttons = [b.label for b in figure.layout.updatemenus[0].buttons]
    assert buttons == ["play", "pause"]
    assert len(figure.layout.sliders[0].steps) == 61


def test_frames_are_capped(race):
    assert len(viz.interactive(race, frames=10).frames) == 10


@pytest.mark.parametrize("kind", ["contour", "surface"])
def test_a_hundred_step_race_of_five_is_a_small_offline_page(big_race, kind, tmp_path):
    path = tmp_path / "race.html"
    viz.interactive(big_race, kind=kind).write_html(path, include_plotlyjs=True)
    size = path.stat().st_size
    assert size < 2_150_000, size  # was 5.9 MB: plotly.js alone is 4.8 MB uncompressed
    text = path.read_text()
    assert text.count('id="plotly-js"') == 1 and text.count("<script") == 3
    assert "plotly.js v" not in text  # the library is there once, compressed, not in clear
    assert PLOTLY_JS.stat().st_size > 4_000_000
    assert not re.findall(r"<script[^>]*\bsrc=", text)
    assert not re.findall(r"<link[^>]*\bhref=", text)
    assert not re.findall(r"https?://cdn", text)
    figure = figure_in(text)
    assert len(figure["frame_names"]) == len(figure["lengths"]) == 101
    assert len(figure["frames"]) == 1  # the others are cut from it in the page
    assert figure["lengths"][0] == [1] * 5 and figure["lengths"][-1] == [101] * 5
    for k, trace in enumerate(figure["frames"][0]["data"]):
        shown = np.column_stack([decode(trace["x"]), decode(trace["y"])])
        assert shown.dtype == np.float32
        np.testing.assert_array_equal(shown, big_race.positions[k, 0].astype(np.float32))
    grid = figure["data"][0]
    assert grid["z"]["dtype"] == "f4" and grid["z"]["shape"] == "120, 120"


def test_plotly_js_unpacks_to_the_library(big_race, tmp_path):
    import gzip

    path = tmp_path / "race.html"
    viz.interactive(big_race).write_html(path)
    packed = re.search(r'id="plotly-js">([A-Za-z0-9+/=]+)</script>', path.read_text()).group(1)
    assert gzip.decompress(base64.b64decode(packed)) == PLOTLY_JS.read_bytes()


def test_other_html_options_still_go_through_plotly(race):
    text = viz.interactive(race, frames=3).to_html(include_plotlyjs=False, full_html=False)
    assert "Plotly.newPlot" in text and 'id="plotly-js"' not in text


def test_bad_arguments(race):
    with pytest.raises(ValueError, match="kind must be 'surface' or 'contour'"):
        viz.interactive(race, kind="3d")
    with pytest.raises(ValueError, match="interactive figures need a 2-D landscape"):
        viz.interactive(dl.run("parabola", "sgd(lr=0.1)", steps=2))
