"""The real `openai` client, instrumented by OpenInference and by OpenLLMetry (Traceloop), calling
a local OpenAI-compatible server and exporting with the real OTLP exporter to a real Tracehouse
server: chat completion, streaming and a tool call arrive as the right tree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from opentelemetry.sdk.trace import TracerProvider
from tests import fake_openai
from tests.conftest import LiveServer
from tests.otlp.clients import logger_provider_for, provider_for, trace_id_hex, wait_for_trace

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def run_agent(provider: TracerProvider, base_url: str) -> dict[str, Any]:
    """One app-level span around a chat call, a streamed call and a tool-calling round trip."""
    client = openai.OpenAI(base_url=base_url, api_key="sk-test")
    tracer = provider.get_tracer("tests.app")
    with tracer.start_as_current_span("support-agent") as root:
        root.set_attribute("session.id", "chat-42")
        root.set_attribute("user.id", "bob")
        messages: list[Any] = [{"role": "user", "content": "Capital of France?"}]
        client.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0.1)
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        first = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Weather?"}], tools=TOOLS
        )
        call = first.choices[0].message.tool_calls[0]
        client.chat.completions.create(
            model="gpt-4o-mini",
            tools=TOOLS,
            messages=[
                {"role": "user", "content": "Weather?"},
                first.choices[0].message.model_dump(exclude_none=True),
                {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp": 20})},
            ],
        )
    provider.force_flush()
    assert streamed == fake_openai.ANSWER
    return {"trace_id": trace_id_hex(root), "root_id": f"{root.get_span_context().span_id:016x}"}


def check_tree(server: LiveServer, run: dict[str, Any], service: str = "") -> list[dict[str, Any]]:
    """The four generations of `run_agent` (exported by `service`, when given: an instrumentor
    that an earlier test removed may leave its wrapper on the openai client)."""
    trace = wait_for_trace(server, run["trace_id"], 5)
    assert trace["name"] == "support-agent"
    assert trace["user_id"] == "bob" and trace["session_id"] == "chat-42"
    generations = [
        o
        for o in trace["observations"]
        if o["type"] == "generation"
        and o["metadata"]["resource"]["service.name"].startswith(service)
    ]
    assert len(generations) == 4
    for generation in generations:
        assert generation["parent_id"] == run["root_id"]
        assert generation["model"].startswith("gpt-4o-mini")
        assert generation["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
        assert generation["usage"]["output_tokens"] == fake_openai.COMPLETION_TOKENS
        assert generation["cost"]["computed"]["total"] > 0
    plain = generations[0]
    assert plain["input"][0] == {"role": "user", "content": "Capital of France?"}
    assert plain["output"][0]["content"] == fake_openai.ANSWER
    assert plain["model_parameters"]["temperature"] == 0.1
    tool_call = generations[2]["output"][0]["tool_calls"][0]
    assert tool_call["name"] == "get_weather" and tool_call["arguments"] == {"city": "Paris"}
    rolled_up = sum(o["usage"]["input_tokens"] or 0 for o in trace["observations"])
    assert trace["usage"]["input_tokens"] == rolled_up >= 4 * fake_openai.PROMPT_TOKENS
    return generations


def test_openinference_openai(live_server: LiveServer, openai_url: str) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    provider = provider_for(live_server, service="openinference-app")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        run = run_agent(provider, openai_url)
    finally:
        instrumentor.uninstrument()
        provider.shutdown()  # a wrapper uninstrument leaves behind exports nothing more
    generations = check_tree(live_server, run)
    assert generations[0]["usage"]["cache_read_tokens"] == fake_openai.CACHED_TOKENS
    assert generations[0]["provider"] == "openai"


@pytest.mark.filterwarnings("ignore:Support for class-based `config`:DeprecationWarning")
def test_openllmetry_openai(live_server: LiveServer, openai_url: str) -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    provider = provider_for(live_server, service="traceloop-app")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        run = run_agent(provider, openai_url)
    finally:
        instrumentor.uninstrument()
        provider.shutdown()  # a wrapper uninstrument leaves behind exports nothing more
    generations = check_tree(live_server, run)
    assert generations[1]["completion_start_time"] is not None  # streamed: time to first token


def test_otel_genai_openai_v2_with_log_events(
    live_server: LiveServer, openai_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The official OTel GenAI instrumentation (latest conventions): `gen_ai.*` span attributes,
    with the messages only in `gen_ai.client.inference.operation.details` OTLP log records that
    join their spans by trace and span id."""
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "EVENT_ONLY")
    provider = provider_for(live_server, service="otel-genai-app")
    logs = logger_provider_for(live_server, service="otel-genai-app")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, logger_provider=logs)
    try:
        run = run_agent(provider, openai_url)
        logs.force_flush()
    finally:
        instrumentor.uninstrument()
        provider.shutdown()  # a wrapper uninstrument leaves behind exports nothing more
    generations = check_tree(live_server, run, service="otel-genai-app")
    assert generations[0]["provider"] == "openai"
