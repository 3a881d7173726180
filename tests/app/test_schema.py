"""Schemathesis against the OpenAPI schema: whatever the schema allows, no 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from descentlab.app import create_app
from descentlab.app.schemas import MAX_OPTIMIZERS

# the schema the app publishes; the requests go to the live server (base_url)
schema = schemathesis.openapi.from_dict(create_app().openapi())


# sizes allowed by the schema but slow on a small machine are cut down (numbers only, so
# wrong types still reach the server); the limits themselves are tested elsewhere
CAPS = {"steps": 40, "starts": 8, "duration": 1, "fps": 8}


def shrink(body: dict, export: bool) -> None:
    if export:  # the defaults render 100 frames
        body.setdefault("duration", CAPS["duration"])
        body.setdefault("fps", CAPS["fps"])
    for key, cap in CAPS.items():
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > cap:
            body[key] = cap
    grid = body.get("grid")
    if isinstance(grid, dict) and isinstance(grid.get("lr"), list):
        grid["lr"] = grid["lr"][:3]


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_the_schema_allows_gets_a_500(case, base_url):
    if isinstance(case.body, dict):
        shrink(case.body, export=case.operation.path == "/api/export")
    case.call_and_validate(base_url=base_url, checks=[not_a_server_error], timeout=60)


def test_the_schema_documents_every_endpoint_and_its_limits(http):
    spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= {"/api/optimizers", "/api/landscapes", "/api/landscape", "/api/race",
                          "/api/sweep", "/api/export", "/api/formula.svg"}  # fmt: skip
    race = spec["components"]["schemas"]["RaceRequest"]["properties"]
    assert race["steps"]["maximum"] == 1000 and race["optimizers"]["maxItems"] == MAX_OPTIMIZERS
    assert race["landscape"]["maxLength"] == 500
