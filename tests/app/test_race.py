"""POST /api/race: the same numbers as `dl.run`, and one-line 4xx for bad requests."""

from __future__ import annotations

import numpy as np
import pytest

import descentlab as dl
from descentlab.app.schemas import MAX_OPTIMIZERS, MAX_STARTS, MAX_STEPS
from descentlab.viz.style import colours

BEALE = ["sgd(lr=0.001)", "nesterov(lr=0.001)", "adam(lr=0.1)"]


def test_the_race_is_dl_run_to_the_last_bit(http):
    starts = [[1.0, 1.5], [-2.0, 3.25]]
    body = http.post(
        "/api/race", json={"landscape": "beale", "optimizers": BEALE, "starts": starts, "steps": 80}
    ).json()
    race = dl.run("beale", BEALE, starts=starts, steps=80)
    assert body["labels"] == race.labels == ["sgd(lr=0.001)", "nesterov(lr=0.001)", "adam(lr=0.1)"]
    assert body["colours"] == colours(race.labels)
    assert body["steps"] == 80 and body["starts"] == starts
    positions = np.asarray(body["positions"])
    assert positions.shape == (3, 2, 81, 2)
    np.testing.assert_array_equal(positions, race.positions)
    np.testing.assert_array_equal(np.asarray(body["losses"]), race.losses)
    # from (-2, 3.25) the walls of the valley throw both plain descents out
    assert body["diverged_at"] == race.diverged_at.tolist() == [[-1, 3], [-1, 2], [-1, -1]]
    assert body["landscape"]["name"] == "beale"


def test_divergence_is_reported_where_dl_run_reports_it(http):
    specs = ["sgd(lr=0.1)", "sgd(lr=2.0)"]
    body = http.post("/api/race", json={"landscape": "bowl", "optimizers": specs, "steps": 40})
    race = dl.run("bowl", specs, steps=40)
    assert body.status_code == 200
    assert body.json()["diverged_at"] == race.diverged_at.tolist()
    assert race.diverged_at[1, 0] > 0
    assert body.json()["starts"] == [[-5.0, -2.0]]  # the landscape's own start by default
    assert body.json()["labels"] == ["sgd(lr=0.1)", "sgd(lr=2.0)"]


def test_expressions_and_1d_landscapes_race_too(http):
    body = http.post(
        "/api/race",
        json={"landscape": "x**2 + 3*sin(y)", "optimizers": ["adam(lr=0.05)"],
              "starts": [[2, 1]], "steps": 30},
    ).json()  # fmt: skip
    race = dl.run("x**2 + 3*sin(y)", ["adam(lr=0.05)"], starts=[[2, 1]], steps=30)
    np.testing.assert_array_equal(body["positions"], race.positions)
    curve = http.post(
        "/api/race", json={"landscape": "parabola", "optimizers": ["sgd(lr=0.2)"], "steps": 10}
    ).json()
    x = np.asarray(curve["positions"])[0, 0, :, 0]
    np.testing.assert_allclose(x, 10 * 0.6 ** np.arange(11), rtol=1e-6)


def race_body(**changes):
    body = {"landscape": "beale", "optimizers": ["adam"], "starts": [[1, 1.5]], "steps": 10}
    return {**body, **changes}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (race_body(steps=0), 422, "steps: Input should be greater than or equal to 1"),
        (race_body(steps=MAX_STEPS + 1), 422, f"less than or equal to {MAX_STEPS}"),
        (race_body(steps=2.5), 422, "steps: Input should be a valid integer"),
        (race_body(optimizers=[]), 422, "optimizers: List should have at least 1 item"),
        (race_body(optimizers=["sgd"] * (MAX_OPTIMIZERS + 1)), 422, "at most 8 items"),
        (race_body(starts=[[0, 0]] * (MAX_STARTS + 1)), 422, "at most 10 items"),
        (race_body(starts=[[0, 0, 0]]), 422, "starts.0: List should have at most 2 items"),
        (race_body(starts=[[1e7, 0]]), 422, "less than or equal to 1000000"),
        (race_body(landscape="x" * 501), 422, "landscape: String should have at most 500"),
        (race_body(optimizers=["adam(" + "1" * 300 + ")"]), 422, "at most 200 characters"),
        (race_body(colour="red"), 422, "colour: Extra inputs are not permitted"),
        (race_body(optimizers=["adma"]), 400, "unknown optimizer 'adma' (did you mean 'adam'"),
        (race_body(optimizers=["adam(lr=-1)"]), 400, "lr must be >= 0, got -1"),
        (race_body(optimizers=["adam(lr=0.1, beta=0.9)"]), 400, "adam has no hyperparameter"),
        (race_body(optimizers=["torch.Adam"]), 400, "the playground offers sgd, momentum"),
        (race_body(optimizers=["__import__('os')"]), 400, "malformed optimizer spec"),
        (race_body(starts=[[1]]), 400, "start 0: (1.0,) has 1 coordinate; beale takes 2"),
        (race_body(landscape="x +"), 400, "bad expression 'x +': invalid syntax"),
    ],
)
def test_bad_races_get_a_one_line_4xx(http, body, status, message):
    response = http.post("/api/race", json=body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    text = detail["message"] if status == 400 else detail  # a 400 names what it refused
    assert message in text and "\n" not in text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (race_body(optimizers=["sgd", "momentum(lr=-1)"]),
         {"message": "momentum(lr=-1): lr must be >= 0, got -1", "optimizer": 1,
          "hyperparameter": "lr"}),
        (race_body(optimizers=["adam", "rprop(step_sizes=(1, 0.5))"]),
         {"message": "rprop(step_sizes=(1, 0.5)): step_sizes must be (min, max) with "
          "min <= max, got (1, 0.5)", "optimizer": 1, "hyperparameter": "step_sizes"}),
        (race_body(optimizers=["adam", "sgd(lr=1e39)"]),
         {"message": "sgd(lr=1e39): a hyperparameter is too large for torch.float32 (at most "
          "3.4e+38); use a smaller value or dtype=torch.float64", "optimizer": 1}),
    ],
)  # fmt: skip
def test_a_refusal_names_the_optimizer_and_hyperparameter(http, body, detail):
    response = http.post("/api/race", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == detail


def test_an_unknown_optimizer_is_named_by_its_place(http):
    response = http.post("/api/race", json=race_body(optimizers=["adam", "sgd", "adma"]))
    detail = response.json()["detail"]
    assert detail["optimizer"] == 2 and "hyperparameter" not in detail
    assert detail["message"].startswith("unknown optimizer 'adma' (did you mean 'adam'")


def test_a_bad_expression_is_named_as_the_landscape(http):
    response = http.post("/api/race", json=race_body(landscape="x +"))
    detail = response.json()["detail"]
    assert detail["landscape"] == "x +" and "optimizer" not in detail
    assert detail["message"].startswith("bad expression 'x +': invalid syntax")


def test_a_start_of_the_wrong_size_is_named_by_its_place(http):
    starts = [[1.0, 1.0], [2.0, 0.5], [3.0]]
    response = http.post("/api/race", json=race_body(starts=starts))
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "message": "start 2: (3.0,) has 1 coordinate; beale takes 2",
        "start": 2,
    }


def test_nan_is_not_a_number_here(http):
    text = '{"landscape": "beale", "optimizers": ["adam"], "starts": [[NaN, 1]], "steps": 5}'
    response = http.post("/api/race", content=text, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "starts.0.0: Input should be a finite number" in response.json()["detail"]


def test_malformed_json_is_a_422(http):
    response = http.post(
        "/api/race", content="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and "JSON decode error" in response.json()["detail"]
