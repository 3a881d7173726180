"""The catalog endpoints: optimizers, landscapes, one landscape sampled for plotting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from descentlab import landscapes, optim
from descentlab.viz.style import OPTIMIZER_COLOURS, evaluate_grid


def test_optimizers_are_the_registry_with_defaults_formulas_and_colours(http):
    body = http.get("/api/optimizers").json()
    assert [entry["name"] for entry in body] == optim.available()
    adam = next(entry for entry in body if entry["name"] == "adam")
    assert adam["defaults"]["lr"] == 0.001 and adam["defaults"]["betas"] == [0.9, 0.999]
    assert adam["formula"] == optim.info("adam").formula
    assert adam["reference"].startswith("Kingma & Ba 2015")
    assert {e["name"]: e["colour"] for e in body} == OPTIMIZER_COLOURS
    nesterov = next(entry for entry in body if entry["name"] == "nesterov")
    assert nesterov["defaults"]["nesterov"] is True and nesterov["defaults"]["momentum"] == 0.9


def test_landscapes_are_the_catalog(http):
    body = http.get("/api/landscapes").json()
    assert [entry["name"] for entry in body] == landscapes.available()
    beale = next(entry for entry in body if entry["name"] == "beale")
    assert beale["domain"] == [[-4.5, 4.5], [-4.5, 4.5]]
    assert beale["minima"] == [{"point": [3.0, 0.5], "value": 0.0}]
    assert beale["levels"] == "log" and beale["dim"] == 2 and beale["expression"] is None


def test_a_log_landscape_is_sampled_as_log10_of_f_above_its_low(http):
    body = http.get("/api/landscape", params={"name": "beale"}).json()
    field = body["field"]
    assert body["name"] == "beale" and field["transform"] == "log"
    z = np.asarray(field["z"], dtype=float)
    assert z.shape == (120, 120) and len(field["x"]) == len(field["y"]) == 120
    land = landscapes.get("beale")
    i, j = 17, 93  # any sample: z[j][i] is at (x[i], y[j])
    x, y = torch.tensor(field["x"][i], dtype=torch.float64), torch.tensor(field["y"][j])
    f = float(land(x, y.double()))
    expected = np.log10(max(f - field["low"], field["floor"]))
    assert z[j, i] == pytest.approx(expected, rel=1e-9)
    assert field["floor"] > 0
    assert field["low"] == pytest.approx(float(evaluate_grid(land, 120)[2].min()), abs=0)


def test_an_expression_is_validated_and_sampled(http):
    body = http.get("/api/landscape", params={"name": "x**2 - y**2"}).json()
    assert body["expression"] == "x**2 - y**2" and body["dim"] == 2
    assert body["domain"] == [[-5.0, 5.0], [-5.0, 5.0]]
    field = body["field"]
    x, y = np.meshgrid(field["x"], field["y"], indexing="xy")
    assert field["transform"] == "linear"
    np.testing.assert_allclose(field["z"], x**2 - y**2, atol=1e-12)


def test_a_1d_landscape_is_a_curve(http):
    body = http.get("/api/landscape", params={"name": "xcos"}).json()
    assert body["dim"] == 1 and len(body["field"]["x"]) == len(body["field"]["z"]) == 400
    x = np.asarray(body["field"]["x"])
    np.testing.assert_allclose(body["field"]["z"], x * np.cos(np.pi * x), atol=1e-12)


def test_an_expression_refusal_names_its_reason_and_what_is_allowed(http):
    detail = http.get("/api/landscape", params={"name": "x ** foo(y)"}).json()["detail"]
    assert detail["reason"] == "bad expression 'x ** foo(y)': 'foo' is not an allowed function"
    assert (
        detail["allowed"].startswith("allowed: numbers, x, y, pi, e,")
        and "sin()" in detail["allowed"]
    )
    assert detail["message"] == f"{detail['reason']}; {detail['allowed']}"
    assert detail["landscape"] == "x ** foo(y)"
    unknown = http.get("/api/landscape", params={"name": "bael"}).json()["detail"]
    assert "allowed" not in unknown and "reason" not in unknown


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("x**", 400, "bad expression 'x**': invalid syntax"),
        ("x ^ 2", 400, "^ is not a power here; write x**2"),
        ("__import__('os')", 400, "is not an allowed function"),
        ("bael", 400, "unknown landscape 'bael' (did you mean 'beale'?)"),
        ("x" * 501, 422, "name: String should have at most 500 characters"),
        ("", 422, "name: String should have at least 1 character"),
    ],
)
def test_bad_landscapes_get_one_line_4xx(http, name, status, message):
    response = http.get("/api/landscape", params={"name": name})
    assert response.status_code == status
    detail = response.json()["detail"]
    text = detail["message"] if status == 400 else detail  # a 400 names what it refused
    assert message in text and "\n" not in text
