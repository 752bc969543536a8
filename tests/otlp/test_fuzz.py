"""10,000 random, truncated and mangled OTLP bodies: only 4xx (or a 200 when a mutation happens to
still decode), never a 5xx, and data committed before stays intact."""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio

TRACE = "0af7651916cd43dd8448eb211c80319c"
BODIES = 10_000


def valid_protobuf(rng: random.Random) -> bytes:
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add()
    for i in range(3):
        s = spans.spans.add(name=f"s{i}", start_time_unix_nano=1762000000000000000 + i)
        s.trace_id = rng.randbytes(16)
        s.span_id = rng.randbytes(8)
        attr = s.attributes.add(key="gen_ai.request.model")
        attr.value.string_value = "gpt-4o"
    return request.SerializeToString()


def valid_json(rng: random.Random) -> bytes:
    spans = [
        {
            "traceId": rng.randbytes(16).hex(),
            "spanId": rng.randbytes(8).hex(),
            "name": "s",
            "startTimeUnixNano": "1762000000000000000",
            "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "5"}}],
        }
    ]
    return orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})


JUNK_VALUES: list[Any] = [None, 1, -1, 1.5, "x", [], {}, True, "0" * 40, [{"a": 1}], {"values": 3}]


def mangle_json(rng: random.Random, body: bytes) -> bytes:
    document = orjson.loads(body)
    path: list[Any] = []
    node: Any = document
    while isinstance(node, dict | list) and node and rng.random() < 0.8:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append(key)
        node = node[key]
    target = document
    for key in path[:-1]:
        target = target[key]
    if path:
        target[path[-1]] = rng.choice(JUNK_VALUES)
    return orjson.dumps(document)


def mutate(rng: random.Random, body: bytes, is_json: bool) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return body[: rng.randrange(len(body))]
    if choice == 1:
        data = bytearray(body)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if choice == 2:
        return rng.randbytes(rng.randint(0, 300))
    if choice == 3 and is_json:
        return mangle_json(rng, body)
    return gzip.compress(body)[: rng.randint(1, 40)]


async def test_fuzzed_bodies_never_5xx_and_lose_nothing(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # a plan allowing the burst, so every body reaches the decoder instead of the rate limiter
    limits = {"enterprise": (1_000_000, 100_000)}
    settings = make_settings("sqlite", tmp_path, request, rate_limits=limits)
    async for th in start(settings):
        await _fuzz(th)


async def _fuzz(th: Harness) -> None:
    keep = orjson.dumps(
        {
            "resourceSpans": [
                {
                    "scopeSpans": [
                        {
                            "spans": [
                                {"traceId": TRACE, "spanId": "b7ad6b7169203331", "name": "kept"}
                            ]
                        }
                    ]
                }
            ]
        }
    )
    json_headers = {**th.auth, "Content-Type": "application/json"}
    assert (
        await th.client.post("/v1/traces", content=keep, headers=json_headers)
    ).status_code == 200
    rng = random.Random(20261123)
    statuses: dict[int, int] = {}
    for i in range(BODIES):
        is_json = i % 2 == 0
        body = mutate(rng, valid_json(rng) if is_json else valid_protobuf(rng), is_json)
        headers = {
            **th.auth,
            "Content-Type": "application/json" if is_json else "application/x-protobuf",
        }
        if body[:2] == b"\x1f\x8b":
            headers["Content-Encoding"] = "gzip"
        response = await th.client.post("/v1/traces", content=body, headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (i, response.status_code, response.text, body[:200])
    assert set(statuses) <= {200, 400, 413, 415}
    assert statuses.get(400, 0) > BODIES // 4  # the mutations really are mostly undecodable
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    assert [o["name"] for o in trace["observations"]] == ["kept"]
