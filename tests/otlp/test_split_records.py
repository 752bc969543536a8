"""Records that describe one step in two parts, arriving in separate exports: logfire's
streamed call (the request's span, then the stream's end as a log) becomes one generation;
a tool span keeps its own name, the tool's name beside it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

TRACE = "6b8efff798038103d269b633813fc60c"
ROOT, REQUEST, STREAM_END = "aee19b7ec3c1b174", "aee19b7ec3c1b175", "aee19b7ec3c1b176"
HEADERS = {"Content-Type": "application/json"}


def attrs(**values: Any) -> list[dict[str, Any]]:
    def value(v: Any) -> dict[str, Any]:
        return {"intValue": v} if isinstance(v, int) else {"stringValue": str(v)}

    return [{"key": k, "value": value(v)} for k, v in values.items()]


def export(*spans: dict[str, Any]) -> bytes:
    scope = {"scope": {"name": "logfire.openai", "version": "5.4.0"}, "spans": list(spans)}
    return orjson.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [scope]}]})


def span(span_id: str, name: str, start: int, end: int, parent: str = ROOT, **a: Any) -> dict:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "startTimeUnixNano": str(1_796_000_000_000_000_000 + start * 1_000_000),
        "endTimeUnixNano": str(1_796_000_000_000_000_000 + end * 1_000_000),
        "attributes": attrs(**a),
    }


async def test_stream_end_in_a_later_export_joins_its_request(th: Harness) -> None:
    request = span(
        REQUEST,
        "Chat Completion with {request_data[model]!r}",
        10,
        30,
        **{
            "logfire.msg_template": "Chat Completion with {request_data[model]!r}",
            "logfire.msg": "Chat Completion with 'gpt-4o-mini'",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
        },
    )
    root = span(ROOT, "root", 0, 600, parent="")
    stream_end = span(
        STREAM_END,
        "streaming response from {request_data[model]!r} took {duration:.2f}s",
        500,
        500,
        **{
            "logfire.span_type": "log",
            "logfire.msg_template": "streaming response from {request_data[model]!r} took "
            "{duration:.2f}s",
            "logfire.msg": "streaming response from 'gpt-4o-mini' took 0.49s",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 21,
            "gen_ai.usage.output_tokens": 7,
            "gen_ai.output.messages": '[{"role":"assistant","parts":'
            '[{"type":"text","content":"Hello"}]}]',
        },
    )
    for body in (export(request), export(stream_end, root)):
        response = await th.client.post("/v1/traces", content=body, headers={**th.auth, **HEADERS})
        assert response.status_code == 200, response.text
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    assert sorted(o["id"] for o in trace["observations"]) == [ROOT, REQUEST]
    generation = next(o for o in trace["observations"] if o["id"] == REQUEST)
    assert generation["name"] == "Chat Completion with 'gpt-4o-mini'"
    assert generation["usage"]["input_tokens"] == 21 and generation["usage"]["total_tokens"] == 28
    assert generation["output"] == [{"role": "assistant", "content": "Hello"}]
    assert generation["end_time"].endswith(":20.500000Z")
    assert trace["usage"]["input_tokens"] == 21
    assert generation["cost"]["computed"]["total"] > 0


async def test_tool_span_keeps_its_name(th: Harness) -> None:
    tool = span(
        "bee19b7ec3c1b175",
        "execute_tool get_weather",
        0,
        5,
        parent="",
        **{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    )
    tool["traceId"] = "7b8efff798038103d269b633813fc60c"
    response = await th.client.post(
        "/v1/traces", content=export(tool), headers={**th.auth, **HEADERS}
    )
    assert response.status_code == 200, response.text
    trace = (await th.client.get(f"/api/v1/traces/{tool['traceId']}", headers=th.auth)).json()
    (observation,) = trace["observations"]
    assert observation["type"] == "tool" and observation["name"] == "execute_tool get_weather"
    assert observation["attributes"]["gen_ai.tool.name"] == "get_weather"
