"""Heavy requests cannot hang the server: a time limit, and a cap on jobs at once."""

from __future__ import annotations

import time

import httpx

from descentlab.app import create_app

from .live import running

HEAVY = {
    "landscape": "beale",
    "optimizers": ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "lion"],
    "starts": [[1.0, 1.5], [-1.0, -2.0]],
    "steps": 1000,
}


def test_a_job_past_the_time_limit_gets_a_504_and_the_server_keeps_answering():
    with (
        running(create_app(timeout=0.05, concurrent_jobs=1)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        late = http.post("/api/race", json=HEAVY)
        assert late.status_code == 504
        assert late.json()["detail"] == (
            "the job took longer than 0.05 s; ask for fewer steps or starts"
        )
        # the answer came before the job ended: the late job still runs in its thread
        # and holds the only place
        busy = http.post("/api/race", json=HEAVY)
        assert busy.status_code == 503
        assert busy.json()["detail"] == "the server is busy with 1 jobs; try again"
        # requests that need no job are answered meanwhile
        assert http.get("/api/optimizers").status_code == 200
        deadline = time.monotonic() + 60
        while http.post("/api/race", json={**HEAVY, "steps": 1}).status_code == 503:
            assert time.monotonic() < deadline, "the late job never gave its place back"
            time.sleep(0.1)
