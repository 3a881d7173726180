"""POST /api/race frames the map: the view `viz.framing.frame` gives (or the limits asked
for), the landscape sampled over it, and paths cut at its edge with each ball kept where
it last crossed; POST /api/export frames its pictures with the same limits."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

import descentlab as dl
from descentlab.experiments import RaceExperiment
from descentlab.viz.drawing import clip_path, edge_point
from descentlab.viz.framing import frame, past_domain
from descentlab.viz.static import START_STYLES
from descentlab.viz.style import evaluate_grid

HIMMELBLAU = {"landscape": "himmelblau", "optimizers": ["adam(lr=0.05)"], "starts": [[0, 0]],
              "steps": 80}  # fmt: skip


def race(http, **changes):
    response = http.post("/api/race", json={**HIMMELBLAU, **changes})
    assert response.status_code == 200, response.text
    return response.json()


def gaps_merged(points) -> np.ndarray:
    """Points (N, 2) with each run of gaps (None or NaN rows) as one NaN row."""
    rows = np.asarray([[np.nan if v is None else v for v in p] for p in points], dtype=float)
    gap = np.isnan(rows).any(axis=1)
    keep = ~gap | np.r_[True, ~gap[:-1]]
    return rows[keep]


def test_the_map_frames_the_paths_and_minima_by_the_librarys_rule(http):
    body = race(http, landscape="beale", optimizers=["adam(lr=0.1)"], starts=[[1, 1.5]])
    run = dl.run("beale", ["adam(lr=0.1)"], starts=[[1, 1.5]], steps=80)
    box = frame(run)
    assert body["view"] == [list(axis) for axis in box]
    (x0, x1), (y0, y1) = box
    assert (x1 - x0) < 0.5 * 9, "a race on a sixth of Beale's domain is zoomed in on"
    assert body["past_domain"] is past_domain(box, run.landscape) is False
    # the landscape is sampled over the box shown, as the library samples it
    field = body["field"]
    assert [field["x"][0], field["x"][-1], field["y"][0], field["y"][-1]] == [x0, x1, y0, y1]
    *_, z = evaluate_grid(run.landscape, 120, box)
    assert field["transform"] == "log"
    np.testing.assert_allclose(
        field["z"], np.log10(np.clip(z - field["low"], field["floor"], None)), rtol=1e-12
    )
    assert field["low"] == pytest.approx(float(z.min()), abs=0)


def test_limits_given_are_the_view_and_a_ball_that_leaves_it_stays_at_its_edge(http):
    box = ((-1.0, 2.0), (-1.0, 2.5))
    body = race(http, xlim=list(box[0]), ylim=list(box[1]))
    assert body["view"] == [list(axis) for axis in box] and body["left_view"] is True
    path = np.asarray(body["positions"][0][0])
    drawn = body["paths"][0][0]
    # the trail is the library's clip_path of the run, gaps aside
    expected, _ = clip_path(path, box)
    np.testing.assert_allclose(gaps_merged(drawn["points"]), gaps_merged(expected), rtol=1e-12)
    assert all(-1 <= p[0] <= 2 and -1 <= p[1] <= 2.5 for p in drawn["points"] if p[0] is not None)
    # adam heads for the minimum at (3, 2): past x = 2, its ball waits on that edge
    assert path[-1][0] > 2 and drawn["out"][-1] == [1, 0]
    assert drawn["balls"][-1] == pytest.approx(edge_point(path, box).tolist())
    assert drawn["balls"][-1][0] == pytest.approx(2.0)
    f = dl.landscapes.get("himmelblau")
    assert drawn["ball_loss"][-1] == pytest.approx(float(f(*np.array(drawn["balls"][-1]))))
    # while inside, the ball is where the run is
    inside = [t for t, o in enumerate(drawn["out"]) if o is None]
    assert inside and all(drawn["balls"][t] == path[t].tolist() for t in inside)
    assert "edge" not in drawn, "it left the view; it did not diverge"


def test_a_start_outside_the_view_waits_at_the_nearest_edge_point(http):
    body = race(http, starts=[[4, 4]], steps=5, xlim=[-1, 1], ylim=[-1, 1])
    drawn = body["paths"][0][0]
    assert drawn["balls"][0] == [1.0, 1.0] and drawn["out"][0] == [1, 1]


def test_a_view_past_the_domain_says_so(http):
    body = race(http, xlim=[-6, 6], ylim=[-5, 5])
    assert body["past_domain"] is True and body["left_view"] is False
    assert race(http, xlim=[-5, 5], ylim=[-5, 5])["past_domain"] is False


def test_each_start_has_its_dash_in_the_order_of_the_static_figures(http):
    body = race(http, starts=[[0, 0], [-1, 3], [2, -2], [1, 1], [3, 3], [-3, 3], [0, 1]])
    names = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}
    assert body["dashes"][:4] == [names[style] for style in START_STYLES[:4]]
    assert body["dashes"][4:6] == ["12.5px,2.5px,2.5px,2.5px,2.5px,2.5px", "2.5px,7.5px"]
    assert body["dashes"][6] == body["dashes"][0] == "solid", "past the styles they repeat"


def test_a_1d_race_shows_its_x_limits_and_refuses_y_limits(http):
    body = {"landscape": "parabola", "optimizers": ["sgd(lr=0.2)"], "steps": 10}
    framed = http.post("/api/race", json={**body, "xlim": [-2, 12]}).json()
    assert framed["view"] == [[-2.0, 12.0]]
    assert framed["field"]["x"][0] == -2 and framed["field"]["x"][-1] == 12
    refused = http.post("/api/race", json={**body, "ylim": [0, 1]})
    assert refused.status_code == 400
    assert refused.json()["detail"]["message"] == (
        "ylim frames a 2-D map; parabola is 1-D (give xlim only)"
    )


@pytest.mark.parametrize("limits", [{"xlim": [2, 1]}, {"ylim": [0]}, {"xlim": [0, "a"]}])
def test_bad_limits_are_refused_in_one_line_as_the_experiment_refuses_them(http, limits):
    with pytest.raises(ValidationError) as refused:
        RaceExperiment(landscape="himmelblau", optimizers=["adam"], **limits)
    (error,) = refused.value.errors()
    where = ".".join(str(p) for p in error["loc"])
    response = http.post("/api/race", json={**HIMMELBLAU, **limits})
    assert response.status_code == 422
    assert response.json()["detail"] == f"{where}: {error['msg'].removeprefix('Value error, ')}"
    assert "\n" not in response.json()["detail"]


def test_an_exported_gif_is_framed_by_the_limits_given(http):
    def first_frame(**limits) -> np.ndarray:
        body = {**HIMMELBLAU, "steps": 4, "format": "gif", **limits}
        response = http.post("/api/export", json=body)
        assert response.status_code == 200, response.text
        with Image.open(io.BytesIO(response.content)) as image:
            return np.asarray(image.convert("RGB")).astype(int)

    framed, whole = first_frame(), first_frame(xlim=[-5, 5], ylim=[-5, 5])
    assert np.abs(framed - whole).mean() > 5, "the whole domain is another picture"
    assert np.array_equal(whole, first_frame(xlim=[-5, 5], ylim=[-5, 5]))
