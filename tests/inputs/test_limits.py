"""Out-of-range numbers and over-deep JSON: the standard 422 naming the field (per event on the
Langfuse batch, whose other events are kept), never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.langfuse_api.test_public_api import event, post_batch
from tests.otlp.test_transport import JSON_HEADERS, TRACE, otlp_json, span
from tests.test_errors import assert_envelope

pytestmark = pytest.mark.anyio


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _fields(response: Any) -> list[str]:
    return [d["field"] for d in assert_envelope(response, 422, "validation_error")["details"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "t", "endTime": -1.8e250}, "endTime"),
        ({"id": "t", "startTime": 1e30}, "startTime"),
        ({"id": "t", "startTime": -1e20}, "startTime"),
        ({"id": "t", "metadata": _deep(500)}, "metadata"),
        ({"id": "t", "input": [_deep(101)]}, "input"),
        (
            {"id": "t", "observations": [{"usage": {"input_tokens": 2**63}}]},
            "observations.0.usage.input_tokens",
        ),
        ({"id": "t", "observations": [{"promptVersion": 2**40}]}, "observations.0.promptVersion"),
    ],
)
async def test_native_trace_out_of_range_is_422_naming_the_field(
    th: Harness, body: dict[str, Any], field: str
) -> None:
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert _fields(response) == [field]


async def test_metadata_at_the_depth_limit_is_kept(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/traces", json={"id": "deep-ok", "metadata": _deep(100)}, headers=th.auth
    )
    assert response.status_code == 201, response.text


async def test_the_connection_stays_usable_after_bad_input(th: Harness) -> None:
    for _ in range(3):
        bad = await th.client.post("/api/v1/traces", json={"endTime": 1e300}, headers=th.auth)
        assert bad.status_code == 422
    good = await th.client.post("/api/v1/traces", json={"id": "after"}, headers=th.auth)
    assert good.status_code == 201, good.text


async def test_langfuse_events_out_of_range_fail_alone(th: Harness) -> None:
    batch = [
        event("bad-time", "trace-create", {"id": "x", "timestamp": -1.8e250}),
        event("bad-deep", "trace-create", {"id": "y", "metadata": _deep(500)}),
        event(
            "bad-usage",
            "generation-create",
            {"id": "g", "traceId": "kept", "usage": {"input": 2**64}, "endTime": 1e30},
        ),
        event("bad-version", "span-create", {"id": "s", "traceId": "kept", "promptVersion": 2**40}),
        event("good", "trace-create", {"id": "kept", "name": "fine"}),
    ]
    body = await post_batch(th, batch)
    assert [s["id"] for s in body["successes"]] == ["good"]
    errors = {e["id"]: [d["field"] for d in e["error"]] for e in body["errors"]}
    assert errors == {
        "bad-time": ["timestamp"],
        "bad-deep": ["metadata"],
        "bad-usage": ["endTime"],
        "bad-version": ["promptVersion"],
    }
    kept = await th.client.get("/api/v1/traces/kept", headers=th.auth)
    assert kept.json()["name"] == "fine"


async def test_langfuse_usage_counts_beyond_any_column_are_dropped(th: Harness) -> None:
    usage = {"input": 2**64, "output": 7}
    batch = [event("g", "generation-create", {"id": "g1", "traceId": "big", "usageDetails": usage})]
    assert (await post_batch(th, batch))["errors"] == []
    trace = (await th.client.get("/api/v1/traces/big", headers=th.auth)).json()
    usage_out = trace["observations"][0]["usage"]
    assert (usage_out["input_tokens"], usage_out["output_tokens"]) == (None, 7)


async def test_otlp_times_beyond_fixed64_reject_only_that_span(th: Harness) -> None:
    spans = [
        span("eee19b7ec3c1b174", "fine"),
        span("eee19b7ec3c1b175", "late", startTimeUnixNano=str(10**30)),
    ]
    response = await th.client.post(
        "/v1/traces", json=otlp_json(spans), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200, response.text
    assert response.json()["partialSuccess"]["rejectedSpans"] == "1"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/public/v2/prompts?page=142313", "page"),
        ("/api/public/traces?page=10002", "page"),
        ("/api/v1/prompts/p?version=79059476273117498703872", "version"),
        ("/api/public/v2/prompts/p?version=79059476273117498703872", "version"),
        ("/api/v1/traces?min_latency=1.6e308", "min_latency"),
        ("/api/v1/traces?max_tokens=9223372036854775808", "max_tokens"),
        ("/api/v1/datasets/d/items?offset=63836494356760649376656078281900032", "offset"),
    ],
)
async def test_out_of_range_query_is_422(th: Harness, path: str, field: str) -> None:
    response = await th.client.get(path, headers=th.auth)
    assert _fields(response) == [field]


async def test_provider_patch_with_null_is_422(th: Harness) -> None:
    created = await th.client.post(
        "/api/v1/providers", json={"name": "p", "apiKey": "sk-x"}, headers=th.auth
    )
    assert created.status_code == 201, created.text
    for field in ("timeoutSeconds", "maxRetries", "apiKey"):
        response = await th.client.patch("/api/v1/providers/p", json={field: None}, headers=th.auth)
        assert _fields(response) == [field]


async def test_project_retention_beyond_a_century_is_422(th: Harness) -> None:
    project_id, _ = await th.new_project("kept")
    response = await th.client.patch(
        f"/api/v1/projects/{project_id}",
        json={"retentionDays": 2**64 + 1},
        headers=await th.admin_token(),
    )
    assert _fields(response) == ["retentionDays"]


async def test_integers_beyond_64_bits_in_json_values_are_kept_as_floats(th: Harness) -> None:
    body = {"id": "wide", "metadata": {"n": 2**70, "ok": 2**62}, "input": [-(2**80)]}
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert response.status_code == 201, response.text
    trace = (await th.client.get("/api/v1/traces/wide", headers=th.auth)).json()
    assert trace["metadata"] == {"n": float(2**70), "ok": 2**62}
    assert trace["input"] == [float(-(2**80))]


async def test_costs_beyond_a_trillion_are_refused_or_dropped(th: Harness) -> None:
    native = {"id": "c", "observations": [{"id": "o", "cost": {"total": 1e308}}]}
    response = await th.client.post("/api/v1/traces", json=native, headers=th.auth)
    assert _fields(response) == ["observations.0.cost.total"]
    huge = {"total": 1.7e308}
    batch = [
        event(f"g{n}", "generation-create", {"id": f"g{n}", "traceId": "rich", "costDetails": huge})
        for n in range(2)
    ]
    assert (await post_batch(th, batch))["errors"] == []
    trace = await th.client.get("/api/v1/traces/rich", headers=th.auth)
    assert trace.json()["cost"] in (None, 0, 0.0)
    deleted = await th.client.delete("/api/v1/traces/rich", headers=th.auth)
    assert deleted.status_code == 204, deleted.text


async def test_otlp_time_to_first_chunk_beyond_any_time_is_dropped(th: Harness) -> None:
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.response.time_to_first_chunk", "value": {"doubleValue": 1e12}},
    ]
    spans = [span("eee19b7ec3c1b174", "chat", attributes=attributes)]
    response = await th.client.post(
        "/v1/traces", json=otlp_json(spans), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200, response.text
    trace = await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)
    assert trace.json()["observations"][0]["completion_start_time"] is None
