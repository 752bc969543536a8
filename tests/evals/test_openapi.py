"""The evaluation endpoints are in the OpenAPI document, with their error responses."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = pytest.mark.anyio

PATHS = {
    "/api/v1/providers": {"get", "post"},
    "/api/v1/providers/{ref}": {"get", "patch", "delete"},
    "/api/v1/evaluators": {"get", "post"},
    "/api/v1/evaluators/templates": {"get"},
    "/api/v1/evaluators/{ref}/execute": {"post"},
    "/api/v1/evaluations": {"get", "post"},
    "/api/v1/evaluations/{ref}": {"get", "delete"},
    "/api/v1/evaluations/{ref}/run": {"post"},
    "/api/v1/evaluations/trace-runs": {"post"},
    "/api/v1/evaluations/session-runs": {"post"},
    "/api/v1/evaluations/dataset-runs": {"post"},
    "/api/v1/evaluations/runs/{run_id}": {"get"},
    "/api/v1/evaluations/monitors": {"get", "post"},
    "/api/v1/evaluations/monitors/{ref}/trigger": {"post"},
    "/api/v1/annotation-queues/{ref}/items/{item_id}/complete": {"post"},
}


async def test_endpoints_are_documented(ev: Harness) -> None:
    spec = (await ev.client.get("/openapi.json")).json()
    for path, methods in PATHS.items():
        assert methods <= set(spec["paths"][path]), path
    for path in ("trace-runs", "session-runs", "dataset-runs"):
        assert "202" in spec["paths"][f"/api/v1/evaluations/{path}"]["post"]["responses"]
    assert "202" in spec["paths"]["/api/v1/evaluators/{ref}/execute"]["post"]["responses"]
    assert "429" in spec["paths"]["/api/v1/evaluations/monitors/{ref}/trigger"]["post"]["responses"]
