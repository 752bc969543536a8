"""OpenTelemetry export, opt-in: a span processor you add to *your* tracer provider that
forwards GenAI/LLM spans (OpenInference, OpenLLMetry, OTel GenAI conventions, …) to Tracehouse
over OTLP (`/v1/traces`), and nothing else unless `export_all=True`.

    from tracehouse.sdk.otel import TracehouseSpanProcessor
    provider.add_span_processor(TracehouseSpanProcessor())

Needs `opentelemetry-sdk` and `opentelemetry-exporter-otlp-proto-http`
(`pip install 'tracehouse[otel]'`). The SDK never sets a global tracer provider.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from tracehouse.sdk._config import connection, headers

__all__ = ["GENAI_PREFIXES", "TracehouseSpanProcessor"]

#: Attribute prefixes that mark a span as GenAI/LLM work (and so worth sending).
GENAI_PREFIXES = ("gen_ai.", "llm.", "openinference.", "traceloop.")


def is_genai(span: ReadableSpan, prefixes: tuple[str, ...] = GENAI_PREFIXES) -> bool:
    """Whether any attribute of `span` starts with one of `prefixes`."""
    return any(key.startswith(prefixes) for key in span.attributes or {})


def _exporter(host: str | None, api_key: str | None, project: str | None) -> SpanExporter:
    host, api_key, project = connection(host, api_key, project)
    return OTLPSpanExporter(
        endpoint=f"{host}/v1/traces",
        headers=headers(api_key, project),
        compression=Compression.Gzip,
    )


class TracehouseSpanProcessor(SpanProcessor):
    """Forwards GenAI spans (or all spans, with `export_all=True`) to Tracehouse.

    `host`, `api_key`, `project` fall back to `TRACEHOUSE_BASE_URL` (else `TRACEHOUSE_HOST`),
    `TRACEHOUSE_API_KEY`, `TRACEHOUSE_PROJECT`. `prefixes` replaces the attribute prefixes that
    select spans; `exporter` replaces the OTLP exporter; spans go through a `BatchSpanProcessor`.
    """

    def __init__(
        self,
        host: str | None = None,
        api_key: str | None = None,
        *,
        project: str | None = None,
        export_all: bool = False,
        prefixes: tuple[str, ...] = GENAI_PREFIXES,
        exporter: SpanExporter | None = None,
    ) -> None:
        self.export_all = export_all
        self.prefixes = prefixes
        self._batch = BatchSpanProcessor(exporter or _exporter(host, api_key, project))

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._batch.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self.export_all or is_genai(span, self.prefixes):
            self._batch.on_end(span)

    def shutdown(self) -> None:
        self._batch.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        result: Any = self._batch.force_flush(timeout_millis)
        return bool(result)
