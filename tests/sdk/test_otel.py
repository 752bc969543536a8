"""OpenTelemetry interop with the real OTel SDK and OpenInference: spans of the app's
instrumentations nest under `@observe`d calls and the other way round, in one trace; the app's
provider stays in charge and its unrelated spans stay out of Tracehouse unless asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tests import fake_openai
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

from tracehouse import sdk
from tracehouse.sdk.otel import TracehouseSpanProcessor


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


SERVICE = "sdk-otel-app"


class App:
    """An app's own OTel setup (a private provider with its own exporter), plus our processor."""

    def __init__(self, server: LiveServer, **options: bool) -> None:
        self.spans = InMemorySpanExporter()
        self.provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
        self.provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.provider.add_span_processor(
            TracehouseSpanProcessor(host=server.url, api_key=server.secret_key, **options)
        )
        self.tracer = self.provider.get_tracer("app")

    def names(self) -> set[str]:
        return {span.name for span in self.spans.get_finished_spans()}


def ancestors(observation: dict[str, Any], observations: list[dict[str, Any]]) -> list[str]:
    """Parent, grandparent, … ids (a wrapper an earlier test's instrumentor left on the openai
    client may sit between our observation and OpenInference's span)."""
    by_id = {o["id"]: o for o in observations}
    chain = []
    parent = observation["parent_id"]
    while parent is not None:
        chain.append(parent)
        parent = by_id[parent]["parent_id"] if parent in by_id else None
    return chain


def test_instrumented_llm_calls_nest_under_observed_functions(
    client: sdk.Tracehouse, live_server: LiveServer, openai_url: str
) -> None:
    global_provider = trace.get_tracer_provider()
    app = App(live_server)
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=app.provider)
    llm = openai.OpenAI(base_url=openai_url, api_key="sk-test")

    @sdk.observe
    def agent(question: str) -> str:
        with app.tracer.start_as_current_span("GET /weather"):  # the app's own HTTP span
            pass
        answer = llm.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
        return answer.choices[0].message.content or ""

    try:
        with sdk.span("request") as request:
            assert agent("Capital of France?") == fake_openai.ANSWER
    finally:
        instrumentor.uninstrument()
    assert client.flush()
    assert app.provider.force_flush()

    tree = read_trace(live_server, request.trace_id)
    by_name = tree["by_name"]
    (llm_span,) = [  # instrumentors earlier tests left on openai export theirs too
        o
        for o in tree["observations"]
        if o["type"] == "generation"
        and (o["metadata"] or {}).get("resource", {}).get("service.name") == SERVICE
    ]
    assert by_name["agent"]["id"] in ancestors(llm_span, tree["observations"])
    assert llm_span["model"] == "gpt-4o-mini"
    assert (
        llm_span["usage"]["total_tokens"]
        == fake_openai.PROMPT_TOKENS + fake_openai.COMPLETION_TOKENS
    )
    assert by_name["agent"]["parent_id"] == request.id
    assert "GET /weather" not in by_name  # not a GenAI span: not exported
    assert "GET /weather" in app.names()  # ... but the app's own exporter still has it
    assert trace.get_tracer_provider() is global_provider


def test_observed_functions_nest_under_the_apps_spans(
    client: sdk.Tracehouse, live_server: LiveServer
) -> None:
    app = App(live_server)

    @sdk.observe(as_type="tool")
    def lookup(city: str) -> str:
        return city.upper()

    with app.tracer.start_as_current_span("plan") as plan:
        plan.set_attribute("gen_ai.operation.name", "invoke_agent")
        assert lookup("paris") == "PARIS"
    assert client.flush()
    assert app.provider.force_flush()

    trace_id = f"{plan.get_span_context().trace_id:032x}"
    by_name = read_trace(live_server, trace_id)["by_name"]
    assert by_name["lookup"]["parent_id"] == f"{plan.get_span_context().span_id:016x}"
    assert by_name["plan"]["parent_id"] is None
    assert by_name["lookup"]["type"] == "tool" and by_name["lookup"]["output"] == "PARIS"


def test_export_all_sends_every_span(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    app = App(live_server, export_all=True)
    with sdk.span("job") as job, app.tracer.start_as_current_span("SELECT orders"):
        pass
    assert client.flush()
    assert app.provider.force_flush()
    by_name = read_trace(live_server, job.trace_id)["by_name"]
    assert by_name["SELECT orders"]["parent_id"] == job.id


def test_our_sampling_never_changes_what_the_apps_tracing_records(
    live_server: LiveServer,
) -> None:
    client = sdk.configure(host=live_server.url, api_key=live_server.secret_key, sample_rate=0)
    app = App(live_server)  # the default sampler: ParentBased(ALWAYS_ON)

    @sdk.observe
    def handler(n: int) -> int:
        with app.tracer.start_as_current_span(f"app-span-{n}"):
            return n

    try:
        with app.tracer.start_as_current_span("app-request") as request:
            for n in range(10):
                handler(n)
        assert client.flush()
    finally:
        client.shutdown()
    assert app.provider.force_flush()
    spans = {span.name: span for span in app.spans.get_finished_spans()}
    assert {f"app-span-{n}" for n in range(10)} <= spans.keys()
    request_id = request.get_span_context().span_id
    for n in range(10):  # parented by the app's own span, which its backend receives
        parent = spans[f"app-span-{n}"].parent
        assert parent is not None and parent.span_id == request_id
