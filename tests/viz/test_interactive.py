"""Interactive races: frames carry only trajectories, and the page works offline."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

import descentlab as dl
from descentlab import viz


@pytest.fixture(scope="module")
def race():
    return dl.run("beale", ["sgd(lr=1e-3)", "adam(lr=0.1)"], starts=[(1.0, 1.5), (-1.0, -1.0)],
                  steps=60)  # fmt: skip


@pytest.mark.parametrize(("kind", "background"), [("contour", go.Contour), ("surface", go.Surface)])
def test_frames_hold_only_the_trajectories(race, kind, background):
    figure = viz.interactive(race, kind=kind)
    assert isinstance(figure.data[0], background)
    assert len(figure.frames) == 61
    for frame in figure.frames[::20]:
        assert len(frame.data) == 4  # 2 optimizers x 2 starts, no landscape
        assert tuple(frame.traces) == (1, 2, 3, 4)
    last = figure.frames[-1].data[2]  # adam from the first start
    np.testing.assert_allclose(np.column_stack([last.x, last.y]), race.positions[1, 0])
    buttons = [b.label for b in figure.layout.updatemenus[0].buttons]
    assert buttons == ["play", "pause"]
    assert len(figure.layout.sliders[0].steps) == 61


def test_frames_are_capped(race):
    assert len(viz.interactive(race, frames=10).frames) == 10


def test_html_works_offline(race, tmp_path):
    path = tmp_path / "race.html"
    viz.interactive(race).write_html(path)
    text = path.read_text()
    assert "plotly" in text.lower() and len(text) > 1_000_000  # plotly.js is embedded
    assert not re.findall(r"<script[^>]*\bsrc=", text)
    assert not re.findall(r"<link[^>]*\bhref=", text)


def test_bad_arguments(race):
    with pytest.raises(ValueError, match="kind must be 'surface' or 'contour'"):
        viz.interactive(race, kind="3d")
    with pytest.raises(ValueError, match="interactive figures need a 2-D landscape"):
        viz.interactive(dl.run("parabola", "sgd(lr=0.1)", steps=2))
