"""The same PII through every ingestion path: none of it reaches the database (the SQLite
file and its WAL read as bytes; every PostgreSQL row as text), and the counts add up."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tests.conftest import Harness
from tests.langfuse_api.test_public_api import BASIC
from tests.masking.pii import EMAIL, SECRETS, TEXT, add_rules, attributes, hex_to_b64, leaks

pytestmark = pytest.mark.anyio

JSON = {"Content-Type": "application/json"}


def _native_trace(trace_id: str) -> dict[str, Any]:
    return {
        "id": trace_id,
        "name": f"chat with {EMAIL}",
        "user_id": EMAIL,
        "session_id": f"session of {EMAIL}",
        "tags": [EMAIL],
        "metadata": {"note": TEXT, "nested": {"deeper": [TEXT]}, EMAIL: "a key"},
        "input": {"messages": [{"role": "user", "content": TEXT}]},
        "output": TEXT,
        "status_message": TEXT,
        "observations": [
            {
                "id": f"{trace_id}-gen",
                "type": "generation",
                "name": f"call for {EMAIL}",
                "model": "gpt-4o",
                "input": [{"role": "user", "content": TEXT}],
                "output": {"content": TEXT},
                "metadata": {"k": TEXT},
                "status_message": TEXT,
            }
        ],
    }


def _langfuse_batch() -> list[dict[str, Any]]:
    t0 = "2026-11-20T10:00:00.000Z"

    def event(event_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": event_id, "type": kind, "timestamp": t0, "body": body}

    return [
        event("e1", "trace-create", {"id": "lf-t", "name": TEXT, "userId": EMAIL, "input": TEXT}),
        event(
            "e2",
            "generation-create",
            {
                "id": "lf-g",
                "traceId": "lf-t",
                "input": [{"content": TEXT}],
                "output": TEXT,
                "metadata": {"m": TEXT},
                "statusMessage": TEXT,
                "startTime": t0,
            },
        ),
        event(
            "e3",
            "score-create",
            {
                "id": "lf-s",
                "traceId": "lf-t",
                "name": "note",
                "value": TEXT,
                "dataType": "CATEGORICAL",
                "comment": TEXT,
            },
        ),
    ]


def _otlp_spans(trace_id: str, span_ids: tuple[str, str]) -> dict[str, Any]:
    root, child = span_ids
    common = {"startTimeUnixNano": "1762000000000000000", "endTimeUnixNano": "1762000001000000000"}
    llm = attributes(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "input.value": orjson.dumps({"question": TEXT}).decode(),
            "output.value": TEXT,
            "user.id": EMAIL,
            "app.note": TEXT,
        }
    )
    spans = [
        {"traceId": trace_id, "spanId": root, "name": f"agent {EMAIL}", "kind": 1, **common},
        {
            "traceId": trace_id, "spanId": child, "parentSpanId": root, "name": "chat",
            "kind": 3, "attributes": llm, "status": {"code": 2, "message": TEXT}, **common,
            "events": [{"name": "note", "timeUnixNano": "1762000000500000000",
                        "attributes": attributes({"detail": TEXT})}],
        },
    ]  # fmt: skip
    return {"resourceSpans": [{"scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}


def _protobuf(document: dict[str, Any]) -> bytes:
    """OTLP/JSON (hex ids) → protobuf bytes."""
    converted = orjson.loads(orjson.dumps(document))
    for scoped in converted["resourceSpans"][0]["scopeSpans"]:
        for span in scoped["spans"]:
            for key in ("traceId", "spanId", "parentSpanId"):
                if span.get(key):
                    span[key] = hex_to_b64(span[key])
    message = json_format.ParseDict(converted, ExportTraceServiceRequest())
    return bytes(message.SerializeToString())


def _logs(trace_id: str, span_id: str) -> dict[str, Any]:
    body = {"kvlistValue": {"values": attributes({"content": TEXT})}}
    record = {"timeUnixNano": "1762000000200000000", "traceId": trace_id, "spanId": span_id,
              "eventName": "gen_ai.user.message", "body": body}  # fmt: skip
    return {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}


def _metrics() -> dict[str, Any]:
    point = {"asInt": "5", "timeUnixNano": "1762000000000000000", "attributes": attributes(
        {"gen_ai.request.model": "gpt-4o", "app.user": EMAIL})}  # fmt: skip
    metric = {"name": "gen_ai.client.token.usage", "unit": "{token}", "sum": {
        "dataPoints": [point], "aggregationTemporality": 1, "isMonotonic": True}}  # fmt: skip
    return {"resourceMetrics": [{"scopeMetrics": [{"metrics": [metric]}]}]}


async def _send_everything(th: Harness) -> None:
    auth, client = th.auth, th.client
    response = await client.post("/api/v1/traces", json=_native_trace("nat-1"), headers=auth)
    assert response.status_code == 201, response.text
    batch = [_native_trace("bat-1"), _native_trace("bat-2")]
    response = await client.post("/api/v1/traces/batch", json=batch, headers=auth)
    assert response.status_code == 201, response.text
    response = await client.post(
        "/api/public/ingestion", json={"batch": _langfuse_batch()}, headers=BASIC
    )
    assert response.status_code == 207 and not response.json()["errors"], response.text
    otlp_json = orjson.dumps(_otlp_spans("a" * 32, ("a1" * 8, "a2" * 8)))
    response = await client.post("/v1/traces", content=otlp_json, headers={**auth, **JSON})
    assert response.status_code == 200, response.text
    protobuf = _protobuf(_otlp_spans("b" * 32, ("b1" * 8, "b2" * 8)))
    headers = {**auth, "Content-Type": "application/x-protobuf"}
    response = await client.post("/api/public/otel/v1/traces", content=protobuf, headers=headers)
    assert response.status_code == 200, response.text
    logs = orjson.dumps(_logs("a" * 32, "a2" * 8))
    response = await client.post("/v1/logs", content=logs, headers={**auth, **JSON})
    assert response.status_code == 200, response.text
    metrics = orjson.dumps(_metrics())
    response = await client.post("/v1/metrics", content=metrics, headers={**auth, **JSON})
    assert response.status_code == 200, response.text


async def test_no_pii_reaches_the_database_by_any_path(th: Harness) -> None:
    await add_rules(th, th.auth)
    await _send_everything(th)
    assert leaks(th) == []
    trace = (await th.client.get("/api/v1/traces/nat-1", headers=th.auth)).json()
    assert trace["user_id"] == "[REDACTED:email]"
    assert "[REDACTED:card]" in trace["output"] and "[REDACTED:employee]" in trace["output"]
    otlp = (await th.client.get(f"/api/v1/traces/{'a' * 32}", headers=th.auth)).json()
    chat = {o["id"]: o for o in otlp["observations"]}["a2" * 8]
    assert chat["input"] and "[REDACTED:email]" in orjson.dumps(chat["input"]).decode()
    rules = (await th.client.get("/api/v1/masking-rules", headers=th.auth)).json()["data"]
    counts = {rule["name"]: rule["masked_count"] for rule in rules}
    assert all(counts[name] > 0 for name in counts), counts


async def test_without_rules_the_text_is_stored_as_sent(th: Harness) -> None:
    """The control: the same sends without rules keep the text (the search finds it)."""
    await _send_everything(th)
    assert leaks(th) == list(SECRETS)
