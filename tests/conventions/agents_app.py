"""An OpenAI Agents SDK app traced by `logfire.instrument_openai_agents()`, run by
`test_openai_agents.py` in a process of its own (logfire sets the global OpenTelemetry
providers). It exports through the `OTEL_EXPORTER_OTLP_*` variables the test sets.

    python agents_app.py <openai base url>

Prints the trace id of its run as JSON."""

from __future__ import annotations

import json
import sys

import logfire
from agents import Agent, ModelSettings, Runner, function_tool
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from openai import AsyncOpenAI
from opentelemetry import trace


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"20 C in {city}"


def main() -> None:
    logfire.configure(send_to_logfire=False, service_name="agents-app", console=False)
    logfire.instrument_openai_agents()
    model = OpenAIChatCompletionsModel(
        model="gpt-4o-mini", openai_client=AsyncOpenAI(base_url=sys.argv[1], api_key="sk-test")
    )
    agent = Agent(
        name="weather-agent",
        instructions="Answer about the weather.",
        tools=[get_weather],
        model=model,
        model_settings=ModelSettings(include_usage=True),
    )
    with logfire.span("agents-request"):
        result = Runner.run_sync(agent, "Weather in Paris?")
        trace_id = f"{trace.get_current_span().get_span_context().trace_id:032x}"
    logfire.force_flush()
    print(json.dumps({"trace_id": trace_id, "answer": result.final_output}), flush=True)


if __name__ == "__main__":
    main()
