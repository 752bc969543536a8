"""A JSON body that is not an OTLP export, sent to an OTLP path, is a 400 saying what the
endpoint expects and where native bodies go, instead of `200 {}` with nothing stored."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.otlp.test_transport import JSON_HEADERS
from tests.test_errors import assert_envelope

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/v1/traces", "/api/public/otel/v1/traces"])
async def test_a_native_trace_body_on_the_otlp_path_is_400(th: Harness, path: str) -> None:
    native = {"id": "lost", "name": "checkout", "observations": [{"name": "llm"}]}
    response = await th.client.post(path, json=native, headers={**th.auth, **JSON_HEADERS})
    error = assert_envelope(response, 400, "invalid_request")
    assert "resourceSpans" in error["message"]
    assert "/api/v1/traces" in error["message"]
    missing = await th.client.get("/api/v1/traces/lost", headers=th.auth)
    assert missing.status_code == 404


async def test_a_body_that_is_not_a_log_export_is_400(th: Harness) -> None:
    response = await th.client.post(
        "/v1/logs", json={"body": "hello"}, headers={**th.auth, **JSON_HEADERS}
    )
    error = assert_envelope(response, 400, "invalid_request")
    assert "resourceLogs" in error["message"]


async def test_an_empty_export_is_still_accepted(th: Harness) -> None:
    for body in ({}, {"resourceSpans": []}):
        response = await th.client.post(
            "/v1/traces", json=body, headers={**th.auth, **JSON_HEADERS}
        )
        assert response.status_code == 200, response.text
