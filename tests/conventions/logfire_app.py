"""An app instrumented with logfire (OpenAI and pydantic-ai), run by `test_logfire.py` in a
process of its own (`logfire.configure` sets the global OpenTelemetry providers). It exports
through the standard `OTEL_EXPORTER_OTLP_*` variables the test sets.

    python logfire_app.py <openai base url>

Prints the trace ids of its runs as JSON."""

from __future__ import annotations

import json
import sys

import logfire
import openai
from opentelemetry import trace
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


def current_trace_id() -> str:
    return f"{trace.get_current_span().get_span_context().trace_id:032x}"


def streamed_call(client: openai.OpenAI) -> str:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Capital of France?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def main() -> None:
    openai_url = sys.argv[1]
    logfire.configure(send_to_logfire=False, service_name="logfire-app", console=False)
    client = openai.OpenAI(base_url=openai_url, api_key="sk-test")
    logfire.instrument_openai(client)
    logfire.instrument_pydantic_ai()
    with logfire.span("streamed-under-a-span"):
        streamed_call(client)
        nested = current_trace_id()
    model = OpenAIChatModel(
        "gpt-4o-mini", provider=OpenAIProvider(base_url=openai_url, api_key="sk-test")
    )
    agent = Agent(model, name="logfire-agent")

    @agent.tool_plain
    def get_weather(city: str) -> dict[str, object]:
        """Weather for a city."""
        return {"city": city, "temp": 20}

    result = agent.run_sync("Weather in Paris?")
    logfire.force_flush()
    print(json.dumps({"nested": nested, "answer": result.output}), flush=True)


if __name__ == "__main__":
    main()
