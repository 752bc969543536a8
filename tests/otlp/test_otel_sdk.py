"""The real OpenTelemetry SDK and OTLP exporter against a real Tracehouse server process, on
SQLite and on PostgreSQL + ClickHouse (chDB)."""

from __future__ import annotations

import json

import httpx
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.trace import Status, StatusCode
from tests.conftest import LiveServer
from tests.otlp.clients import by_name, provider_for, span_id_hex, trace_id_hex, wait_for_trace


def test_protobuf_export_builds_the_tree(any_live_server: LiveServer) -> None:
    provider = provider_for(any_live_server)
    tracer = provider.get_tracer("tests.app")
    with tracer.start_as_current_span("agent-run") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.set_attribute("user.id", "alice")
        root.set_attribute("session.id", "chat-1")
        root.set_attribute("app.custom", "kept")
        with tracer.start_as_current_span("chat gpt-4o-mini") as llm:
            llm.set_attribute("gen_ai.operation.name", "chat")
            llm.set_attribute("gen_ai.provider.name", "openai")
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm.set_attribute("gen_ai.request.temperature", 0.2)
            llm.set_attribute("gen_ai.usage.input_tokens", 1200)
            llm.set_attribute("gen_ai.usage.output_tokens", 80)
            llm.set_attribute("gen_ai.usage.cache_read.input_tokens", 200)
            llm.set_attribute(
                "gen_ai.input.messages",
                json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]),
            )
        with tracer.start_as_current_span("execute_tool lookup") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "lookup")
            tool.set_status(Status(StatusCode.ERROR, "lookup failed"))
    provider.shutdown()
    trace_id = trace_id_hex(root)
    trace = wait_for_trace(any_live_server, trace_id, 3)
    assert trace["name"] == "agent-run"
    assert trace["user_id"] == "alice" and trace["session_id"] == "chat-1"
    assert trace["environment"] == "staging"
    assert trace["status"] == "warning"  # the tool failed, the run (its root span) did not
    nodes = by_name(trace)
    root_obs, llm_obs = nodes["agent-run"], nodes["chat gpt-4o-mini"]
    tool_obs = nodes["execute_tool lookup"]  # the span's own name; the tool's is an attribute
    assert root_obs["id"] == span_id_hex(root) and root_obs["parent_id"] is None
    assert root_obs["type"] == "agent"
    assert root_obs["attributes"] == {"app.custom": "kept"}
    assert llm_obs["type"] == "generation" and llm_obs["parent_id"] == span_id_hex(root)
    assert llm_obs["model"] == "gpt-4o-mini" and llm_obs["provider"] == "openai"
    assert llm_obs["model_parameters"] == {"temperature": 0.2}
    assert llm_obs["usage"]["input_tokens"] == 1200
    assert llm_obs["usage"]["cache_read_tokens"] == 200
    assert llm_obs["cost"]["computed"]["total"] > 0
    assert llm_obs["input"] == [{"role": "user", "content": "Hi"}]
    assert tool_obs["type"] == "tool" and tool_obs["level"] == "ERROR"
    assert tool_obs["status_message"] == "lookup failed"
    assert trace["usage"]["input_tokens"] == 1200


def test_basic_auth_on_the_langfuse_path_with_gzip(any_live_server: LiveServer) -> None:
    provider = provider_for(
        any_live_server, "/api/public/otel/v1/traces", basic=True, compression=Compression.Gzip
    )
    with provider.get_tracer("tests.app").start_as_current_span("gzip-root") as root:
        root.set_attribute("langfuse.trace.name", "named-by-langfuse")
    provider.shutdown()
    trace = wait_for_trace(any_live_server, trace_id_hex(root), 1)
    assert trace["name"] == "named-by-langfuse"


def test_retried_export_does_not_duplicate(any_live_server: LiveServer) -> None:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("parent") as parent, tracer.start_as_current_span("child"):
        pass
    spans = memory.get_finished_spans()
    child_only = encode_spans([s for s in spans if s.name == "child"]).SerializeToString()
    everything = encode_spans(spans).SerializeToString()
    headers = {**any_live_server.auth, "Content-Type": "application/x-protobuf"}
    url = f"{any_live_server.url}/v1/traces"
    # the child arrives first, alone; then the full batch twice (a retry)
    for body in (child_only, everything, everything):
        assert httpx.post(url, content=body, headers=headers).status_code == 200
    trace = wait_for_trace(any_live_server, trace_id_hex(parent), 2)
    assert len(trace["observations"]) == 2
    nodes = by_name(trace)
    assert nodes["child"]["parent_id"] == nodes["parent"]["id"]
    assert trace["tree"][0]["id"] == nodes["parent"]["id"]
