"""The one error shape, request ids, rate-limit headers and limits, body limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio


def assert_envelope(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return error


async def test_malformed_json_is_400(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/traces",
        content=b'{"name": "x",',
        headers={**th.auth, "Content-Type": "application/json"},
    )
    assert_envelope(response, 400, "invalid_request")


async def test_schema_violation_is_422_naming_fields(th: Harness) -> None:
    body = {"name": 5, "observations": [{"type": "banana"}], "tags": "nope"}
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    error = assert_envelope(response, 422, "validation_error")
    fields = {d["field"] for d in error["details"]}
    assert {"name", "observations.0.type", "tags"} <= fields


async def test_score_without_target_is_422(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/scores", json={"name": "x", "value": 1}, headers=th.auth
    )
    assert_envelope(response, 422, "validation_error")


async def test_unknown_route_and_method(th: Harness) -> None:
    assert_envelope(await th.client.get("/api/v1/nothing", headers=th.auth), 404, "not_found")
    assert_envelope(await th.client.put("/api/v1/traces", headers=th.auth), 405, "invalid_request")


async def test_unauthorized_shape(th: Harness) -> None:
    assert_envelope(await th.client.get("/api/v1/traces"), 401, "unauthorized")


async def test_request_id_echoed_and_generated(th: Harness) -> None:
    response = await th.client.get("/api/v1/traces", headers={**th.auth, "X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await th.client.get("/api/v1/traces", headers=th.auth)
    assert len(generated.headers["x-request-id"]) == 32


async def test_rate_limit_headers_on_every_response(th: Harness) -> None:
    for response in (
        await th.client.get("/api/v1/traces", headers=th.auth),
        await th.client.get("/health"),
        await th.client.get("/api/v1/traces"),
    ):
        for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            assert header in response.headers, (response.url, header)
    authed = await th.client.get("/api/v1/traces", headers=th.auth)
    assert authed.headers["x-ratelimit-limit"] == "18000"  # enterprise reads, the default
    written = await th.client.post("/api/v1/traces", json={"id": "h"}, headers=th.auth)
    assert written.headers["x-ratelimit-limit"] == "6000"  # enterprise writes


async def test_free_plan_limit_gives_429_with_retry_after(th: Harness) -> None:
    _, auth = await th.new_project("free-tier", plan="free")
    statuses = []
    for n in range(12):
        response = await th.client.post("/api/v1/traces", json={"id": f"f{n}"}, headers=auth)
        statuses.append(response.status_code)
    assert statuses[:10] == [201] * 10  # the free burst of writes
    limited = await th.client.post("/api/v1/traces", json={"id": "over"}, headers=auth)
    error = assert_envelope(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-ratelimit-limit"] == "60"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert error["details"]["retry_after"] >= 1
    # other keys are not affected, nor this key's reads (a class of their own)
    assert (await th.client.get("/api/v1/traces", headers=th.auth)).status_code == 200
    assert (await th.client.get("/api/v1/traces", headers=auth)).status_code == 200


async def test_body_over_limit_is_413(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(db_kind, tmp_path, request, max_body_bytes=2_000)
    async for harness in start(settings):
        big = {"id": "big", "input": "x" * 5_000}
        response = await harness.client.post("/api/v1/traces", json=big, headers=harness.auth)
        assert_envelope(response, 413, "payload_too_large")
        assert (
            await harness.client.get("/api/v1/traces/big", headers=harness.auth)
        ).status_code == 404
        small = await harness.client.post("/api/v1/traces", json={"id": "ok"}, headers=harness.auth)
        assert small.status_code == 201


async def test_bad_input_loses_nothing_already_accepted(th: Harness) -> None:
    await th.client.post("/api/v1/traces", json={"id": "keep", "name": "kept"}, headers=th.auth)
    await th.client.post(
        "/api/v1/traces", json={"id": "keep", "startTime": "not a time"}, headers=th.auth
    )
    trace = (await th.client.get("/api/v1/traces/keep", headers=th.auth)).json()
    assert trace["name"] == "kept"


async def test_health_and_docs(th: Harness) -> None:
    health = (await th.client.get("/health")).json()
    assert health["status"] == "ok"
    assert health["database"] == ("sqlite" if th.settings.is_sqlite else "postgresql")
    assert health["traces"] == "relational"
    assert (await th.client.get("/")).json()["status"] == "ok"
    assert (await th.client.get("/docs")).status_code == 200
    spec = (await th.client.get("/openapi.json")).json()
    assert "/api/v1/traces" in spec["paths"]


async def test_openapi_documents_error_responses(th: Harness) -> None:
    spec = (await th.client.get("/openapi.json")).json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            assert any(code.startswith(("4", "5")) for code in codes), (method, path)
            # Login and the payment provider's webhooks take no credentials (a webhook is
            # signed: a bad signature is a 400).
            public = ("/api/v1/auth/login", "/api/v1/billing/webhooks/")
            if path.startswith("/api/v1/") and not path.startswith(public):
                assert "401" in codes, (method, path)
