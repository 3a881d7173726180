"""Hyperparameters the library refuses (beyond float32, out of range) are one-line 400s
that name the optimizer spec they came from; nothing the library raises is a 500."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import HTTPException

from descentlab.app.api import Jobs

TOO_LARGE = "a hyperparameter is too large for torch.float32 (at most 3.4e+38)"
RACE = {"landscape": "beale", "starts": [[1.0, 1.5]], "steps": 5}


def assert_refused(response, spec: str, message: str, index: int) -> None:
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail["message"].startswith(f"{spec}: {message}"), detail
    assert "\n" not in detail["message"]
    assert detail["optimizer"] == index


def test_a_learning_rate_beyond_float32_is_a_400_naming_the_optimizer(http):
    body = {**RACE, "optimizers": ["adam(lr=0.1)", "sgd(lr=1e39)"]}
    assert_refused(http.post("/api/race", json=body), "sgd(lr=1e39)", TOO_LARGE, 1)


def test_a_sweep_with_weight_decay_beyond_float32_is_a_400(http):
    body = {"landscape": "beale", "optimizers": ["sgd(weight_decay=1e39)"],
            "grid": {"lr": [0.01]}, "starts": 3, "steps": 5}  # fmt: skip
    assert_refused(http.post("/api/sweep", json=body), "sgd(weight_decay=1e39)", TOO_LARGE, 0)


@pytest.mark.parametrize("format", ["csv", "gif"])
def test_an_export_beyond_float32_is_a_400(http, format):
    body = {**RACE, "optimizers": ["sgd(lr=1e39)"], "format": format}
    assert_refused(http.post("/api/export", json=body), "sgd(lr=1e39)", TOO_LARGE, 0)


def test_a_negative_learning_rate_names_its_spec(http):
    body = {**RACE, "optimizers": ["sgd", "adam(lr=-1)"]}
    refused = http.post("/api/race", json=body)
    assert_refused(refused, "adam(lr=-1)", "lr must be >= 0, got -1", 1)
    assert refused.json()["detail"]["hyperparameter"] == "lr"


def test_a_landscape_error_is_not_blamed_on_the_optimizer(http):
    body = {**RACE, "optimizers": ["adam"], "starts": [[1.0]]}
    response = http.post("/api/race", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "message": "start 0: (1.0,) has 1 coordinate; beale takes 2",
        "start": 0,
    }


def fail(kind: type[Exception]) -> None:
    raise kind("overflow in the engine\nsecond line")


@pytest.mark.parametrize("kind", [RuntimeError, ValueError, TypeError, OverflowError])
def test_jobs_turn_library_and_torch_errors_into_a_one_line_400(kind):
    # in a thread of its own: Playwright's loop may be running in this one
    with pytest.raises(HTTPException) as caught, ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, Jobs(timeout=5, limit=1)(fail, kind)).result()
    assert caught.value.status_code == 400
    assert caught.value.detail == {"message": "overflow in the engine"}
