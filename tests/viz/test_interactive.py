"""Interactive races: frames carry only paths and balls, the view is framed, balls that
leave it stay marked, starts are told apart, and the page is small and offline."""

from __future__ import annotations

import base64
import gzip
import importlib
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from plotly.offline import get_plotlyjs_version

import descentlab as dl
from descentlab import viz
from descentlab.viz.drawing import values_at
from descentlab.viz.framing import frame, past_domain
from descentlab.viz.style import evaluate_grid

interactive = importlib.import_module("descentlab.viz.interactive")
race_page = importlib.import_module("descentlab.viz.race_page")
race_layout = importlib.import_module("descentlab.viz.race_layout")

RACERS = ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)", "adagrad(lr=0.5)", "adamw(lr=0.1)"]
KINDS = ["contour", "surface"]
BUNDLE = {"contour": "plotly-cartesian.min.js", "surface": "plotly-gl3d.min.js"}


@pytest.fixture(scope="module")
def race():
    return dl.run("beale", ["sgd(lr=1e-3)", "adam(lr=0.1)"], starts=[(1.0, 1.5), (-1.0, -1.0)],
                  steps=60)  # fmt: skip


@pytest.fixture(scope="module")
def big_race():
    return dl.run("beale", RACERS, steps=100)


@pytest.fixture(scope="module")
def wild_race():
    """adam ends near (2.5, 0.3); sgd at lr 0.05 diverges at step 3."""
    return dl.run("beale", ["adam(lr=0.1)", "sgd(lr=0.05)"], starts=[(1.0, 1.5)], steps=100)


def figure_in(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="figure">(.*?)</script>', text, re.S)
    assert found, "the page holds no figure"
    return json.loads(found.group(1))


def packed_library(text: str) -> bytes:
    packed = re.search(r'id="plotly-js">([A-Za-z0-9+/=]+)</script>', text).group(1)
    return gzip.decompress(base64.b64decode(packed))


def decode(value: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])


def named(figure: go.Figure, name: str) -> list:
    return [trace for trace in figure.data if trace.name == name]


def test_the_map_is_the_static_maps_picture_behind_the_paths(race, tmp_path):
    """plotly drops a contour trace from view while frames play: the map is an image."""
    figure = viz.interactive(race)
    (image,) = figure.layout.images
    assert image.layer == "below" and image.xref == "x" and image.sizing == "stretch"
    (x0, x1), (y0, y1) = frame(race)
    assert (image.x, image.y, image.sizex, image.sizey) == pytest.approx((x0, y1, x1 - x0, y1 - y0))
    png = base64.b64decode(image.source.split(",", 1)[1])
    (tmp_path / "map.png").write_bytes(png)
    pixels = np.asarray(Image.open(tmp_path / "map.png").convert("RGB"), dtype=float)
    assert pixels.shape[:2] == (720, 720) and pixels.std() > 20  # shaded, edge to edge
    assert pixels[0, 0].min() < 250 and pixels[-1, -1].min() < 250  # no white margin
    assert figure.data[0].opacity == 0  # f under the cursor, from an invisible heatmap
    (bar,) = named(figure, "colour bar")
    assert bar.marker.showscale and bar.marker.colorbar.title.text == "f − min f"
    (star,) = named(figure, "known minimum")
    assert (star.x[0], star.y[0]) == (3.0, 0.5) and star.marker.symbol == "star"


@pytest.mark.parametrize(("kind", "background"), [("contour", go.Heatmap), ("surface", go.Surface)])
def test_frames_hold_only_the_paths_and_balls(race, kind, background):
    figure = viz.interactive(race, kind=kind)
    assert isinstance(figure.data[0], background)
    assert len(figure.frames) == 61
    moving = tuple(figure.frames[0].traces)
    assert [figure.data[i].mode for i in moving] == ["lines"] * 4 + ["markers"] * 4
    assert figure.data[moving[3] + 1].name == "starts"  # over the paths, under the balls
    for frame_ in figure.frames[::20]:
        assert len(frame_.data) == 8  # 2 optimizers x 2 starts, a path and a ball each
        assert tuple(frame_.traces) == moving
    last = figure.frames[-1].data
    path, ball = last[2], last[6]  # adam from the first start
    np.testing.assert_allclose(np.column_stack([path.x, path.y]), race.positions[1, 0], rtol=1e-6)
    np.testing.assert_allclose([ball.x[0], ball.y[0]], race.positions[1, 0, -1], rtol=1e-6)
    assert ball.marker.symbol == "circle" and ball.marker.color == path.line.color
    middle = figure.frames[30].data
    assert len(middle[2].x) == 31 and middle[6].x[0] == pytest.approx(race.positions[1, 0, 30, 0])
    buttons = [b.label for b in figure.layout.updatemenus[0].buttons]
    assert buttons == ["play", "pause"]
    assert len(figure.layout.sliders[0].steps) == 61


def test_frames_are_capped(race):
    assert len(viz.interactive(race, frames=10).frames) == 10


@pytest.mark.parametrize("kind", KINDS)
def test_a_hundred_step_race_of_five_is_a_small_offline_page(big_race, kind, tmp_path):
    path = tmp_path / "race.html"
    viz.interactive(big_race, kind=kind).write_html(path, include_plotlyjs=True)
    size = path.stat().st_size
    assert size < 1_500_000, size  # 2.07 MB with the whole of plotly.js
    text = path.read_text()
    assert text.count('id="plotly-js"') == 1 and text.count("<script") == 3
    assert "plotly.js (" not in text  # the library is there once, compressed, not in clear
    assert not re.findall(r"<script[^>]*\bsrc=", text)
    assert not re.findall(r"<link[^>]*\bhref=", text)
    assert not re.findall(r"https?://cdn", text)
    figure = figure_in(text)
    assert len(figure["frame_names"]) == len(figure["lengths"]) == len(figure["states"]) == 101
    assert len(figure["frames"]) == 1  # the others are cut from it in the page
    assert figure["lengths"][0] == [1] * 5 and figure["lengths"][-1] == [101] * 5
    assert figure["states"][-1] == [interactive.BALL] * 5
    paths = figure["frames"][0]["data"][:5]
    for k, trace in enumerate(paths):
        shown = np.column_stack([decode(trace["x"]), decode(trace["y"])])
        assert shown.dtype == np.float32
        np.testing.assert_array_equal(shown, big_race.positions[k, 0].astype(np.float32))
    grid = figure["data"][0]
    assert grid["z"]["dtype"] == "f4" and grid["z"]["shape"] == "120, 120"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_embeds_its_own_bundle_at_pythons_plotly_version(race, kind, tmp_path):
    path = tmp_path / "race.html"
    viz.interactive(race, kind=kind, frames=3).write_html(path)
    shipped = race_page.BUNDLES / BUNDLE[kind]
    library = packed_library(path.read_text())
    assert library == shipped.read_bytes()
    header = re.match(rb"/\*\*\s*\* plotly\.js \((\w+) - minified\) v([\d.]+)", library)
    assert header, library[:120]
    assert header.group(1).decode() == {"contour": "cartesian", "surface": "gl3d"}[kind]
    assert header.group(2).decode() == get_plotlyjs_version()
    licence = (race_page.BUNDLES / "LICENSE").read_text()
    assert "MIT License" in licence and "Plotly" in licence


def test_a_figure_with_other_traces_gets_the_whole_library(race, tmp_path):
    figure = viz.interactive(race, frames=3)
    figure.add_trace(go.Bar(x=[1, 2], y=[3, 4]))
    path = tmp_path / "race.html"
    figure.write_html(path)
    assert packed_library(path.read_text()) == race_page.FULL_PLOTLY_JS.read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_the_view_is_the_frame_and_the_landscape_is_sampled_over_it(race, kind):
    box = ((0.5, 2.6), (-0.5, 1.6))
    figure = viz.interactive(race, kind=kind, xlim=box[0], ylim=box[1])
    grid = figure.data[0]
    assert (grid.x[0], grid.x[-1]) == pytest.approx(box[0])
    assert (grid.y[0], grid.y[-1]) == pytest.approx(box[1])
    axes = (figure.layout.scene.xaxis, figure.layout.scene.yaxis) if kind == "surface" else (
        figure.layout.xaxis, figure.layout.yaxis)  # fmt: skip
    pad = race_layout.PAD if kind == "surface" else 0  # room for the marks at the edge
    for axis, (low, high) in zip(axes, box, strict=True):
        room = pad * (high - low)
        assert tuple(axis.range) == pytest.approx((low - room, high + room))
    assert not named(figure, "domain's edge")  # the box lies inside beale's domain
    framed = viz.interactive(race, kind=kind)
    grid = framed.data[0]
    (x0, x1), (y0, y1) = frame(race)
    assert (grid.x[0], grid.x[-1], grid.y[0], grid.y[-1]) == pytest.approx((x0, x1, y0, y1))
    assert x1 - x0 < 7  # framed on the paths, not beale's whole 9-wide domain


@pytest.mark.parametrize("kind", KINDS)
def test_the_domains_edge_is_drawn_where_the_view_passes_it(race, kind):
    box = ((-4.8, 0.0), (-4.8, 0.0))
    assert past_domain(box, race.landscape)
    figure = viz.interactive(race, kind=kind, xlim=box[0], ylim=box[1])
    (edge,) = named(figure, "domain's edge")
    assert edge.line.dash == "dash"
    x, y = np.asarray(edge.x, dtype=float), np.asarray(edge.y, dtype=float)
    drawn = np.isfinite(x)
    assert drawn.sum() > 50
    x, y = x[drawn], y[drawn]
    # on the domain's edge (x or y at -4.5) and inside the view
    assert np.all(np.isclose(x, -4.5) | np.isclose(y, -4.5))
    assert x.min() >= -4.5 - 1e-9 and x.max() <= 0 + 1e-9 and y.max() <= 0 + 1e-9
    assert np.isclose(x, -4.5).sum() > 20 and np.isclose(y, -4.5).sum() > 20
    if kind == "surface":  # lying on the surface
        z = np.asarray(edge.z, dtype=float)[drawn]
        place = on_surface(race, box)
        np.testing.assert_allclose(z, place(np.column_stack([x, y])), rtol=1e-5)


def test_a_ball_that_leaves_the_view_stays_at_its_edge_pointing_out(wild_race, tmp_path):
    figure = viz.interactive(wild_race, xlim=(0.5, 2.4), ylim=(-0.5, 1.6))
    end = wild_race.positions[0, 0, -1]
    assert end[0] > 2.4 and -0.5 < end[1] < 1.6  # adam ends right of the view
    path, ball = figure.frames[-1].data[0], figure.frames[-1].data[2]
    x, y = np.asarray(path.x, dtype=float), np.asarray(path.y, dtype=float)
    drawn = np.isfinite(x)
    assert not drawn.all()  # the path is cut where it leaves
    assert x[drawn].max() <= 2.4 + 1e-6 and x[drawn].min() >= 0.5 - 1e-6
    assert ball.marker.symbol == "triangle-up-open" and ball.marker.angle == 90
    assert ball.x[0] == pytest.approx(2.4) and -0.5 < ball.y[0] < 1.6
    assert (ball.x[0], ball.y[0]) == pytest.approx((x[drawn][-1], y[drawn][-1]))
    (entry,) = named(figure, "left the view: marked at the edge")
    assert entry.marker.symbol == "triangle-up-open"
    page = tmp_path / "race.html"
    figure.write_html(page)
    sent = figure_in(page.read_text())
    assert sent["states"][-1][0] == interactive.LEFT and sent["angles"][-1][0] == 90


@pytest.mark.parametrize(("kind", "cross"), [("contour", "x"), ("surface", "cross")])
def test_a_diverged_run_ends_in_a_cross_at_the_views_edge(wild_race, kind, cross):
    # Scatter3d draws its "x" as a red emoji whatever the colour: a plain cross there
    assert wild_race.diverged_at[1, 0] == 3
    figure = viz.interactive(wild_race, kind=kind)
    frames = {frame_.name: frame_.data[3] for frame_ in figure.frames}  # sgd's ball
    assert frames["2"].marker.symbol != cross and frames["3"].marker.symbol == cross
    assert frames["100"].marker.symbol == cross
    (x0, x1), (y0, y1) = frame(wild_race)
    x, y = frames["100"].x[0], frames["100"].y[0]
    assert x0 - 1e-5 <= x <= x1 + 1e-5 and y0 - 1e-5 <= y <= y1 + 1e-5
    on_edge = min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1))
    assert on_edge < 1e-5  # it left the view on its way out
    assert [t.marker.symbol for t in named(figure, "diverged")] == [cross]


def test_the_marks_are_explained_only_when_they_occur(big_race):
    figure = viz.interactive(big_race)
    names = {trace.name for trace in figure.data}
    assert not names & {"diverged", "left the view: marked at the edge"}


def test_surface_marks_a_ball_that_left_with_an_open_circle(wild_race):
    figure = viz.interactive(wild_race, kind="surface", xlim=(0.5, 2.4), ylim=(-0.5, 1.6))
    ball = figure.frames[-1].data[2]
    assert ball.marker.symbol == "circle-open" and ball.x[0] == pytest.approx(2.4)
    place = on_surface(wild_race, ((0.5, 2.4), (-0.5, 1.6)))
    flat = on_surface(wild_race, ((0.5, 2.4), (-0.5, 1.6)), lifted=False)
    point = np.array([[ball.x[0], ball.y[0]]])
    assert ball.z[0] == pytest.approx(place(point)[0], rel=1e-5) and place(point) > flat(point)


def on_surface(race, box, lifted=True):
    """Where the figure places points above its surface: f on the surface's scale (log10
    of f - min f over the view on a log map), lifted by a share of its height range."""
    z = evaluate_grid(race.landscape, interactive.RESOLUTION, box)[2]
    place, scale, _ = interactive.placing(race.landscape, z)
    return place if lifted else (lambda points: scale(values_at(race.landscape, points)))


def test_a_log_map_gets_a_log_surface(big_race):
    """Beale spans 0 to 180,000 over its domain: on a linear axis its valley is flat."""
    box = big_race.landscape.domain
    figure = viz.interactive(big_race, kind="surface", xlim=box[0], ylim=box[1])
    z = np.asarray(figure.data[0].z, dtype=float)
    assert 5 < np.nanmax(z) < 5.5 and np.nanmax(z) - np.nanmin(z) > 5  # decades
    axis = figure.layout.scene.zaxis
    assert axis.title.text == "f − min f" and axis.ticktext[-1].startswith("10<sup>")
    assert np.asarray(figure.data[0].customdata, dtype=float).max() > 1e5  # f, for the hover
    linear = viz.interactive(dl.run("cs231n-saddle", "adam(lr=0.05)", steps=5), kind="surface")
    assert linear.layout.scene.zaxis.title.text == "f" and not linear.layout.scene.zaxis.ticktext


@pytest.mark.parametrize("kind", KINDS)
def test_several_starts_are_told_apart_by_dash(kind):
    starts = [(1.0, 1.5), (-1.0, -1.0), (2.0, -0.5)]
    race = dl.run("beale", ["adam(lr=0.1)", "rmsprop(lr=0.01)"], starts=starts, steps=10)
    figure = viz.interactive(race, kind=kind)
    count = len(figure.frames[0].data) // 2
    paths = [figure.data[i] for i in figure.frames[0].traces[:count]]
    assert [p.line.dash for p in paths] == ["solid", "dash", "dot"] * 2
    assert [p.showlegend for p in paths] == [True, False, False] * 2  # each optimizer once
    assert [p.name for p in paths if p.showlegend] == ["adam(lr=0.1)", "rmsprop(lr=0.01)"]
    entries = [t for t in figure.data if t.name and t.name.startswith("start ")]
    assert [t.name for t in entries] == ["start 1: (1, 1.5)", "start 2: (-1, -1)",
                                         "start 3: (2, -0.5)"]  # fmt: skip
    assert [t.line.dash for t in entries] == ["solid", "dash", "dot"]
    assert {t.line.color for t in entries} == {"#555555"}
    (marks,) = named(figure, "starts")
    np.testing.assert_allclose(np.column_stack([marks.x, marks.y]), starts)
    assert list(marks.text) == ["1", "2", "3"] and marks.mode == "markers+text"
    assert marks.marker.color == "white"


def test_one_start_gets_a_plain_marker_and_no_start_legend(big_race):
    figure = viz.interactive(big_race)
    (marks,) = named(figure, "starts")
    assert marks.mode == "markers"
    assert not [t for t in figure.data if t.name and t.name.startswith("start ")]


def test_later_dashes_follow_the_start_styles():
    assert interactive.dash(4, "contour") == "15px,3px,3px,3px,3px,3px"
    assert interactive.dash(5, "contour") == "3px,9px"
    assert interactive.dash(4, "surface") == "longdashdot"
    assert interactive.dash(6, "contour") == "solid"  # the styles come round again


def test_frames_edited_after_the_fact_are_sent_whole(race, tmp_path):
    figure = viz.interactive(race, frames=4)
    figure.frames[1].data[5].marker.symbol = "square"
    path = tmp_path / "race.html"
    figure.write_html(path)
    sent = figure_in(path.read_text())
    assert len(sent["frames"]) == 4 and "lengths" not in sent
    assert sent["frames"][1]["data"][5]["marker"]["symbol"] == "square"


def test_other_html_options_still_go_through_plotly(race):
    text = viz.interactive(race, frames=3).to_html(include_plotlyjs=False, full_html=False)
    assert "Plotly.newPlot" in text and 'id="plotly-js"' not in text


def test_bad_arguments(race):
    with pytest.raises(ValueError, match="kind must be 'surface' or 'contour'"):
        viz.interactive(race, kind="3d")
    with pytest.raises(ValueError, match="interactive figures need a 2-D landscape"):
        viz.interactive(dl.run("parabola", "sgd(lr=0.1)", steps=2))
    with pytest.raises(ValueError, match="xlim must be two finite numbers"):
        viz.interactive(race, xlim=(2.0, 1.0))
