"""pydantic-ai (the logfire family of attributes) with its own OpenTelemetry instrumentation:
a real Agent with a tool, calling the local OpenAI-compatible server, exported to a real
Tracehouse server. Usage is counted once, on the model calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic_ai import Agent
from pydantic_ai.capabilities.instrumentation import Instrumentation
from pydantic_ai.models.instrumented import InstrumentationSettings
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from tests import fake_openai
from tests.conftest import LiveServer
from tests.otlp.clients import provider_for, trace_id_hex, wait_for_trace


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def test_pydantic_ai_agent_with_tool(live_server: LiveServer, openai_url: str) -> None:
    provider = provider_for(live_server, service="pydantic-ai-app")
    model = OpenAIChatModel(
        "gpt-4o-mini", provider=OpenAIProvider(base_url=openai_url, api_key="sk-test")
    )
    agent = Agent(
        model,
        name="weather-agent",
        instructions="Answer about the weather.",
        capabilities=[Instrumentation(InstrumentationSettings(tracer_provider=provider))],
    )

    @agent.tool_plain
    def get_weather(city: str) -> dict[str, object]:
        """Weather for a city."""
        return {"city": city, "temp": 20}

    tracer = provider.get_tracer("tests.app")
    with tracer.start_as_current_span("weather-request") as root:
        root.set_attribute("user.id", "carol")
        result = agent.run_sync("Weather in Paris?")
    provider.force_flush()
    assert result.output == fake_openai.ANSWER

    trace = wait_for_trace(live_server, trace_id_hex(root), 5)
    assert trace["name"] == "weather-request" and trace["user_id"] == "carol"
    # only this test's spans: an openai instrumentor removed by an earlier test may leave its
    # wrapper on the openai client, adding its own spans to the trace
    ours = [
        o
        for o in trace["observations"]
        if o["metadata"]["resource"]["service.name"] == "pydantic-ai-app"
    ]
    types = [o["type"] for o in ours]
    assert types.count("generation") == 2 and "agent" in types and "tool" in types
    agent_span = next(o for o in ours if o["type"] == "agent")
    assert agent_span["parent_id"] == f"{root.get_span_context().span_id:016x}"
    generations = [o for o in ours if o["type"] == "generation"]
    for generation in generations:
        assert generation["parent_id"] == agent_span["id"]
        assert generation["model"].startswith("gpt-4o-mini")
        assert generation["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
        assert generation["cost"]["computed"]["total"] > 0
    first, second = generations
    assert first["output"] and "get_weather" in str(first["output"])
    assert second["output"] and fake_openai.ANSWER in str(second["output"])
    assert first["input"] and "Weather in Paris?" in str(first["input"])
    tool = next(o for o in ours if o["type"] == "tool")
    assert tool["name"].endswith("get_weather") or "get_weather" in str(tool["attributes"])
    assert "Paris" in str(tool["input"]) and "20" in str(tool["output"])
    assert agent_span["name"] == "weather-agent run"  # logfire.msg names the span
    assert agent_span["attributes"]["gen_ai.agent.name"] == "weather-agent"  # unmapped: kept
    # usage is counted on the generations only, never again on the agent span
    assert agent_span["usage"]["input_tokens"] is None
    rolled_up = sum(o["usage"]["input_tokens"] or 0 for o in trace["observations"])
    assert trace["usage"]["input_tokens"] == rolled_up
