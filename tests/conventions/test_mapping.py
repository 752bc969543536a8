"""The convention table on spans shaped as the libraries send them, for the forms the live
client tests do not produce: the older flattened `gen_ai.prompt.N` attributes, GenAI span
events, aggregated usage on agent spans, cache-exclusive input counts, unmapped attributes."""

from __future__ import annotations

from typing import Any

from tracehouse.conventions import map_spans
from tracehouse.otlp.spans import SpanData, SpanEvent

TRACE = "0af7651916cd43dd8448eb211c80319c"


def span(span_id: str, attributes: dict[str, Any], **extra: Any) -> SpanData:
    fields: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": span_id,
        "parent_span_id": "b7ad6b7169203331",
        "name": "llm",
        "kind": 3,
        "start_time": 1_762_000_000_000_000_000,
        "end_time": 1_762_000_001_000_000_000,
        "status_code": 0,
        "status_message": None,
        "attributes": attributes,
        **extra,
    }
    return SpanData(**fields)


def only(data: SpanData) -> Any:
    batch = map_spans([data])
    assert len(batch.observations) == 1
    return batch.observations[0]


def test_older_flattened_prompt_and_completion_attributes() -> None:
    obs = only(
        span(
            "00f067aa0ba902b7",
            {
                "llm.request.type": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Be brief.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Weather?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.tool_calls.0.name": "get_weather",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Oslo"}',
                "gen_ai.usage.prompt_tokens": 12,
                "gen_ai.usage.completion_tokens": 4,
            },
        )
    )
    assert (obs.type, obs.model, obs.provider) == ("generation", "gpt-4o", "openai")
    assert obs.input == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather?"},
    ]
    call = obs.output[0]["tool_calls"][0]
    assert call["name"] == "get_weather" and call["arguments"] == {"city": "Oslo"}
    assert (obs.usage.input_tokens, obs.usage.output_tokens) == (12, 4)


def test_genai_span_events_carry_the_messages() -> None:
    events = [
        SpanEvent("gen_ai.system.message", None, {"content": "Be brief."}),
        SpanEvent("gen_ai.user.message", None, {"content": "Hi"}),
        SpanEvent(
            "gen_ai.choice",
            None,
            {"index": 0, "finish_reason": "stop", "message": {"content": "Hello!"}},
        ),
    ]
    obs = only(
        span(
            "00f067aa0ba902b8",
            {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"},
            events=events,
        )
    )
    assert [m["role"] for m in obs.input] == ["system", "user"]
    assert obs.input[1]["content"] == "Hi"
    assert "Hello!" in str(obs.output)


def test_aggregated_usage_on_an_agent_span_is_not_counted_again() -> None:
    obs = only(
        span(
            "00f067aa0ba902b9",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "planner",
                "gen_ai.aggregated_usage.input_tokens": 500,
                "gen_ai.aggregated_usage.output_tokens": 50,
            },
        )
    )
    assert obs.type == "agent"
    assert obs.usage.input_tokens is None and obs.usage.output_tokens is None
    assert obs.metadata["aggregated_usage"] == {
        "gen_ai.aggregated_usage.input_tokens": 500,
        "gen_ai.aggregated_usage.output_tokens": 50,
    }


def test_input_counts_that_exclude_cache_tokens_are_made_inclusive() -> None:
    inclusive = only(
        span(
            "00f067aa0ba902ba",
            {
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.cache_read.input_tokens": 30,
            },
        )
    )
    assert (inclusive.usage.input_tokens, inclusive.usage.cache_read_tokens) == (100, 30)
    exclusive = only(
        span(
            "00f067aa0ba902bb",
            {
                "gen_ai.request.model": "claude-sonnet-4-5",
                "gen_ai.usage.input_tokens": 20,
                "gen_ai.usage.cache_read_input_tokens": 80,
                "gen_ai.usage.cache_creation_input_tokens": 10,
            },
        )
    )
    assert exclusive.usage.input_tokens == 110
    assert (exclusive.usage.cache_read_tokens, exclusive.usage.cache_write_tokens) == (80, 10)


def test_unmapped_attributes_are_kept() -> None:
    obs = only(
        span(
            "00f067aa0ba902bc",
            {"gen_ai.request.model": "gpt-4o", "app.feature": "search", "retry.count": 2},
        )
    )
    assert obs.attributes == {"app.feature": "search", "retry.count": 2}


def test_vercel_ai_sdk_telemetry_metadata_names_user_and_session() -> None:
    """The Vercel AI SDK's `experimental_telemetry.metadata` (`ai.telemetry.metadata.*`): its
    `userId` and `sessionId` are the trace's user and session; the rest is trace metadata."""
    batch = map_spans(
        [
            span(
                "00f067aa0ba902b9",
                {
                    "ai.model.id": "gpt-4o-mini",
                    "ai.telemetry.metadata.userId": "vercel-user",
                    "ai.telemetry.metadata.sessionId": "vercel-session",
                    "ai.telemetry.metadata.plan": "pro",
                },
                parent_span_id=None,
            )
        ]
    )
    (trace,) = batch.traces
    assert (trace.user_id, trace.session_id) == ("vercel-user", "vercel-session")
    assert trace.metadata == {"plan": "pro"}
