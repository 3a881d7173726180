"""What the page reads from the server instead of working out itself: the limits of the
request bodies, parsed specs, clipped paths and which starts reached which basin."""

from __future__ import annotations

import numpy as np
import pytest

import descentlab as dl
from descentlab import defaults
from descentlab.app import schemas


def test_the_limits_endpoint_equals_the_schemas_constraints(http):
    limits = http.get("/api/limits").json()
    openapi = http.get("/openapi.json").json()["components"]["schemas"]
    race, sweep = openapi["RaceRequest"]["properties"], openapi["SweepRequest"]["properties"]
    assert limits["steps"] == {
        "min": race["steps"]["minimum"],
        "max": race["steps"]["maximum"],
        "default": race["steps"]["default"],
    }
    assert limits["steps"]["max"] == sweep["steps"]["maximum"] == schemas.MAX_STEPS
    assert limits["optimizers"] == race["optimizers"]["maxItems"] == schemas.MAX_OPTIMIZERS
    starts = race["starts"]["anyOf"][0]
    assert limits["starts"] == starts["maxItems"] == schemas.MAX_STARTS
    assert limits["coordinate"] == starts["items"]["items"]["maximum"] == schemas.MAX_COORDINATE
    assert limits["spec_length"] == race["optimizers"]["items"]["maxLength"] == schemas.MAX_SPEC
    assert limits["expression_length"] == race["landscape"]["maxLength"]
    assert limits["sweep_starts"] == {
        "min": sweep["starts"]["minimum"],
        "max": sweep["starts"]["maximum"],
        "default": sweep["starts"]["default"],
    }
    assert limits["sweep_starts"]["default"] == defaults.STARTS_PER_AXIS
    rates = openapi["LearningRates"]["properties"]["lr"]
    assert limits["sweep_rates"] == rates["maxItems"] == schemas.MAX_SWEEP_RATES
    assert limits["sweep_work"] == schemas.MAX_SWEEP_WORK
    # the endpoint and its answer are in the OpenAPI schema too
    assert "Limits" in openapi and "/api/limits" in http.get("/openapi.json").json()["paths"]


def test_the_published_sweep_work_is_the_one_the_schema_checks(http):
    work = http.get("/api/limits").json()["sweep_work"]
    lrs = [0.1] * 20
    fits = {"landscape": "beale", "optimizers": ["adam"], "grid": {"lr": lrs}, "starts": 50,
            "steps": work // (20 * 50**2)}  # fmt: skip
    schemas.SweepRequest(**fits)
    with pytest.raises(ValueError, match="over the limit"):
        schemas.SweepRequest(**{**fits, "steps": fits["steps"] + 1})


def test_specs_are_parsed_by_the_library(http):
    texts = ["adam(lr=0.05, betas=(0.8,0.999))", "momentum", "nosuch(lr=1)", "adam(lr=-1)"]
    got = http.post("/api/specs", json={"specs": texts}).json()
    kwargs = {"lr": 0.05, "betas": [0.8, 0.999]}
    label = "adam(lr=0.05, betas=(0.8, 0.999))"
    assert got[0] == {"spec": texts[0], "name": "adam", "kwargs": kwargs, "label": label}
    assert got[1] == {"spec": "momentum", "name": "momentum", "kwargs": {}, "label": "momentum"}
    assert got[2]["error"].startswith("unknown optimizer 'nosuch'") and "name" not in got[2]
    assert got[3]["error"] == "adam(lr=-1): lr must be >= 0, got -1"
    spec = dl.optim.parse(texts[0])
    assert got[0]["label"] == spec.label


def test_too_many_specs_are_refused(http):
    body = {"specs": ["adam"] * (schemas.MAX_OPTIMIZERS + 2)}
    assert http.post("/api/specs", json=body).status_code == 422


def test_a_diverged_path_is_clipped_where_it_leaves_the_view_of_the_whole_domain(http):
    body = {"landscape": "rosenbrock", "optimizers": ["sgd(lr=1)"], "starts": [[-1.5, 2.0]],
            "steps": 20, "xlim": [-2, 2], "ylim": [-1, 3]}  # fmt: skip
    race = http.post("/api/race", json=body).json()
    assert race["diverged_at"] == [[2]]
    path = race["paths"][0][0]
    # (-1.5, 2) -> (153.5, 52) leaves [-2, 2] x [-1, 3] through y = 3 at x = 1.6
    assert path["points"] == [[-1.5, 2.0], [pytest.approx(1.6), pytest.approx(3.0)], [None, None]]
    assert path["ends"] == [1, 3]
    assert path["edge"] == [pytest.approx(1.6), pytest.approx(3.0)]
    assert path["balls"] == [[-1.5, 2.0], path["edge"]] and path["out"] == [None, [1, 1]]
    f = dl.landscapes.get("rosenbrock")
    assert path["edge_loss"] == pytest.approx(float(f(*np.array([1.6, 3.0]))), rel=1e-6)
    assert path["loss"][0] == pytest.approx(race["losses"][0][0][0])


def test_a_path_that_stays_inside_is_drawn_as_it_ran(http):
    body = {"landscape": "beale", "optimizers": ["adam(lr=0.1)"], "starts": [[1.0, 1.5]],
            "steps": 30}  # fmt: skip
    race = http.post("/api/race", json=body).json()
    path = race["paths"][0][0]
    assert path["points"] == race["positions"][0][0]
    assert path["loss"] == race["losses"][0][0]
    assert path["ends"] == list(range(1, 32)) and "edge" not in path


def test_a_path_that_leaves_and_comes_back_has_a_gap_between_edge_points(http):
    body = {"landscape": "himmelblau", "optimizers": ["sgd(lr=0.02)"], "starts": [[4.9, 4.9]],
            "steps": 40, "xlim": [-5, 5], "ylim": [-5, 5]}  # fmt: skip
    race = http.post("/api/race", json=body).json()
    positions = np.asarray(race["positions"][0][0])
    outside = (np.abs(positions) > 5).any(axis=1)
    path = race["paths"][0][0]
    points = path["points"]
    assert len(points) == path["ends"][-1]
    inside = [p for p in points if p[0] is not None]
    assert all(-5 - 1e-9 <= v <= 5 + 1e-9 for p in inside for v in p)
    assert sum(p[0] is None for p in points) == outside.sum()
    # each drawn step ends with the point of that step (or a gap where it is outside)
    for t, end in enumerate(path["ends"]):
        shown = points[end - 1]
        assert (shown[0] is None) == outside[t]
        if not outside[t]:
            assert shown == positions[t].tolist()


def test_the_sweep_says_which_starts_reached_which_basin(http):
    lrs = [1e-4, 1e-3]
    body = {"landscape": "himmelblau", "optimizers": ["sgd"], "grid": {"lr": lrs}, "starts": 12,
            "steps": 80}  # fmt: skip
    got = http.post("/api/sweep", json=body).json()
    assert got["palette"]["none"] == "#ffffff"
    frame = dl.sweep("himmelblau", "sgd", grid={"lr": lrs}, starts=dl.grid_starts("himmelblau", 12),
                     steps=80).to_frame()  # fmt: skip
    for index, lr in enumerate(lrs):
        rows = frame[frame.lr == lr]
        code = np.where(rows.diverged, -2, np.where(rows.steps_to_tol < 0, -1, rows.basin))
        np.testing.assert_array_equal(np.asarray(got["maps"][index]["ends_at"]).ravel(), code)
    assert (np.asarray(got["maps"][0]["ends_at"]) == -1).all(), "too slow to reach any minimum"
