"""POST /api/sweep: basin maps that equal `dl.sweep`, and the limits on their size."""

from __future__ import annotations

import numpy as np

import descentlab as dl
from descentlab.app.schemas import MAX_SWEEP_WORK


def test_the_basin_maps_are_dl_sweep_over_a_grid_of_starts(http):
    lrs = [0.003, 0.03]
    body = http.post(
        "/api/sweep",
        json={"landscape": "himmelblau", "optimizers": ["adam"], "grid": {"lr": lrs}, "starts": 9,
              "steps": 60},
    ).json()  # fmt: skip
    starts = dl.grid_starts("himmelblau", 9)
    frame = dl.sweep("himmelblau", "adam", grid={"lr": lrs}, starts=starts, steps=60).to_frame()
    assert body["optimizer"] == "adam" and [m["lr"] for m in body["maps"]] == lrs
    np.testing.assert_allclose(body["axes"][0], np.linspace(-5, 5, 9))
    for index, lr in enumerate(lrs):
        rows = frame[frame.lr == lr]
        got = body["maps"][index]
        np.testing.assert_array_equal(np.asarray(got["basin"]).ravel(), rows.basin)
        np.testing.assert_array_equal(np.asarray(got["steps_to_tol"]).ravel(), rows.steps_to_tol)
        np.testing.assert_array_equal(np.asarray(got["final_loss"]).ravel(), rows.final_loss)
        # x runs fastest: row j, column i is the start (x[i], y[j])
        assert (rows.start_x.to_numpy()[:9] == np.linspace(-5, 5, 9)).all()
    fast = np.asarray(body["maps"][1]["basin"])
    assert set(np.unique(fast)) == {0, 1, 2, 3}, "each of the four minima draws some starts"


def test_a_sweep_too_large_is_refused_before_it_runs(http):
    body = {"landscape": "beale", "optimizers": ["adam"], "grid": {"lr": [0.1] * 25}, "starts": 60,
            "steps": 1000}  # fmt: skip
    response = http.post("/api/sweep", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "25 learning rates x 60^2 starts x 1000 steps is 90,000,000 trajectory-steps, "
        f"over the limit of {MAX_SWEEP_WORK:,}"
    )


def test_the_sweep_sets_lr_itself(http):
    body = {
        "landscape": "beale",
        "optimizers": ["adam(lr=0.1)"],
        "grid": {"lr": [0.1]},
        "starts": 4,
    }
    response = http.post("/api/sweep", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "message": "the sweep sets lr itself; leave it out of the optimizer spec",
        "optimizer": 0,
        "hyperparameter": "lr",
    }


def test_non_positive_learning_rates_are_refused(http):
    body = {"landscape": "beale", "optimizers": ["adam"], "grid": {"lr": [0.0]}, "starts": 4}
    response = http.post("/api/sweep", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == "grid.lr.0: Input should be greater than 0"
