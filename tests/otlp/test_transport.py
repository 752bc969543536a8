"""OTLP/HTTP transport through the ASGI app on SQLite and PostgreSQL: encodings, compression,
partial success, errors, auth and tenant isolation."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from tests.conftest import Harness

pytestmark = pytest.mark.anyio

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b175"
JSON_HEADERS = {"Content-Type": "application/json"}


def otlp_json(spans: list[dict[str, Any]], service: str = "svc") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                },
                "scopeSpans": [{"scope": {"name": "hand.written", "version": "1"}, "spans": spans}],
            }
        ]
    }


def span(span_id: str, name: str, parent: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": "1762000000000000000",
        "endTimeUnixNano": "1762000001500000000",
        **extra,
    }


LLM_ATTRIBUTES = [
    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
    {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 100}},
    {
        "key": "gen_ai.request.stop_sequences",
        "value": {"arrayValue": {"values": [{"stringValue": "\n"}]}},
    },
    {
        "key": "custom.map",
        "value": {"kvlistValue": {"values": [{"key": "a", "value": {"doubleValue": 1.5}}]}},
    },
]


@pytest.mark.clickhouse
async def test_json_encoding_with_int64_strings(th: Harness) -> None:
    body = otlp_json(
        [
            span(ROOT, "root"),
            span(
                CHILD, "llm", ROOT, attributes=LLM_ATTRIBUTES, status={"code": 2, "message": "boom"}
            ),
        ]
    )
    response = await th.client.post(
        "/v1/traces", content=orjson.dumps(body), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    nodes = {o["id"]: o for o in trace["observations"]}
    llm = nodes[CHILD]
    assert llm["parent_id"] == ROOT and llm["type"] == "generation"
    assert llm["usage"]["input_tokens"] == 1000 and llm["usage"]["output_tokens"] == 100
    assert llm["model_parameters"] == {"stop_sequences": ["\n"]}
    assert llm["attributes"] == {"custom.map": {"a": 1.5}}
    assert llm["level"] == "ERROR" and llm["status_message"] == "boom"
    assert llm["latency_ms"] == 1500.0
    assert llm["cost"]["computed"]["total"] == pytest.approx(1000 * 2.5e-6 + 100 * 10e-6)
    assert trace["status"] == "warning"  # a failed step; the root span did not fail
    assert nodes[ROOT]["metadata"]["resource"] == {"service.name": "svc"}
    assert nodes[ROOT]["metadata"]["scope"] == {"name": "hand.written", "version": "1"}


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
async def test_compressed_bodies(th: Harness, encoding: str) -> None:
    raw = orjson.dumps(otlp_json([span(ROOT, f"compressed-{encoding}")]))
    if encoding == "gzip":
        data, header = gzip.compress(raw), "gzip"
    elif encoding == "deflate":
        data, header = zlib.compress(raw), "deflate"
    else:
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data, header = packer.compress(raw) + packer.flush(), "deflate"
    response = await th.client.post(
        "/v1/traces",
        content=data,
        headers={**th.auth, **JSON_HEADERS, "Content-Encoding": header},
    )
    assert response.status_code == 200, response.text
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    assert trace["name"] == f"compressed-{encoding}"


@pytest.mark.clickhouse
async def test_partial_success_rejects_only_bad_spans(th: Harness) -> None:
    bad = span("xyz", "bad-id")
    zero = span("0" * 16, "zero-id")
    body = otlp_json([span(ROOT, "good"), bad, zero])
    response = await th.client.post(
        "/v1/traces", content=orjson.dumps(body), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert "spanId" in partial["errorMessage"]
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    assert [o["name"] for o in trace["observations"]] == ["good"]


async def test_protobuf_partial_success_answer(th: Harness) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add()
    good = spans.spans.add(name="pb-good", start_time_unix_nano=1762000000000000000)
    good.trace_id, good.span_id = bytes.fromhex(TRACE), bytes.fromhex(ROOT)
    short = spans.spans.add(name="pb-short")
    short.trace_id, short.span_id = b"\x01\x02", bytes.fromhex(CHILD)
    response = await th.client.post(
        "/v1/traces",
        content=request.SerializeToString(),
        headers={**th.auth, "Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 1
    assert "traceId" in answer.partial_success.error_message


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"{not json", JSON_HEADERS, 400),
        (b"[1, 2]", JSON_HEADERS, 400),
        (b'{"resourceSpans": 5}', JSON_HEADERS, 400),
        (b"\xff\x00garbage", {"Content-Type": "application/x-protobuf"}, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b"{}", {**JSON_HEADERS, "Content-Encoding": "br"}, 415),
        (b"not gzip", {**JSON_HEADERS, "Content-Encoding": "gzip"}, 400),
    ],
)
async def test_bad_bodies_are_4xx(
    th: Harness, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = await th.client.post("/v1/traces", content=content, headers={**th.auth, **headers})
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


async def test_decompressed_size_is_capped(th: Harness) -> None:
    bomb = gzip.compress(b" " * (th.settings.max_body_bytes + 10))
    response = await th.client.post(
        "/v1/traces", content=bomb, headers={**th.auth, **JSON_HEADERS, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 413


@pytest.mark.clickhouse
async def test_auth_and_tenant_isolation(th: Harness) -> None:
    body = orjson.dumps(otlp_json([span(ROOT, "private")]))
    anonymous = await th.client.post("/v1/traces", content=body, headers=JSON_HEADERS)
    assert anonymous.status_code == 401
    assert (
        await th.client.post("/v1/traces", content=body, headers={**th.auth, **JSON_HEADERS})
    ).status_code == 200
    _, other = await th.new_project("other")
    assert (await th.client.get(f"/api/v1/traces/{TRACE}", headers=other)).status_code == 404
    logs = await th.client.post("/v1/logs", content=b"{}", headers=JSON_HEADERS)
    assert logs.status_code == 401


@pytest.mark.clickhouse
async def test_logs_join_their_span_in_either_order(th: Harness) -> None:
    def log(event: str, body: dict[str, Any], nanos: str) -> dict[str, Any]:
        return {
            "timeUnixNano": nanos,
            "traceId": TRACE,
            "spanId": CHILD,
            "eventName": event,
            "body": {
                "kvlistValue": {
                    "values": [{"key": k, "value": {"stringValue": v}} for k, v in body.items()]
                }
            },
        }

    logs = {
        "resourceLogs": [
            {
                "scopeLogs": [
                    {
                        "logRecords": [
                            log("gen_ai.user.message", {"content": "What is 2+2?"}, "1"),
                            {"timeUnixNano": "3", "body": {"stringValue": "no span id"}},
                        ]
                    }
                ]
            }
        ]
    }
    response = await th.client.post(
        "/v1/logs", content=orjson.dumps(logs), headers={**th.auth, **JSON_HEADERS}
    )
    assert response.status_code == 200
    assert "1 log record" in response.json()["partialSuccess"]["errorMessage"]
    spans = otlp_json([span(ROOT, "root"), span(CHILD, "chat", ROOT, attributes=LLM_ATTRIBUTES)])
    await th.client.post(
        "/v1/traces", content=orjson.dumps(spans), headers={**th.auth, **JSON_HEADERS}
    )
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    chat = {o["id"]: o for o in trace["observations"]}[CHILD]
    assert chat["input"] == [{"role": "user", "content": "What is 2+2?"}]
    assert chat["type"] == "generation" and chat["parent_id"] == ROOT
