"""Real OpenTelemetry SDK pipelines pointed at a Tracehouse server, for the client tests."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tests.conftest import LiveServer


def provider_for(
    server: LiveServer,
    path: str = "/v1/traces",
    *,
    basic: bool = False,
    compression: Compression = Compression.NoCompression,
    service: str = "tests",
    resource: dict[str, Any] | None = None,
) -> TracerProvider:
    """A private TracerProvider exporting every span synchronously to `server` (never global);
    `resource`: more resource attributes."""
    if basic:
        token = base64.b64encode(f"{server.public_key}:{server.secret_key}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
    else:
        headers = server.auth
    exporter = OTLPSpanExporter(
        endpoint=f"{server.url}{path}", headers=headers, compression=compression
    )
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service, "deployment.environment.name": "staging", **(resource or {})}
        )
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def logger_provider_for(server: LiveServer, service: str = "tests") -> LoggerProvider:
    """A private LoggerProvider exporting every log record synchronously to `/v1/logs`."""
    exporter = OTLPLogExporter(endpoint=f"{server.url}/v1/logs", headers=server.auth)
    provider = LoggerProvider(resource=Resource.create({"service.name": service}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    return provider


def trace_id_hex(span: Any) -> str:
    return f"{span.get_span_context().trace_id:032x}"


def span_id_hex(span: Any) -> str:
    return f"{span.get_span_context().span_id:016x}"


def wait_for_trace(server: LiveServer, trace_id: str, observations: int) -> dict[str, Any]:
    """GET the trace until it has `observations` observations (exports are synchronous, so
    this only guards against the last span's export still being in flight)."""
    deadline = time.monotonic() + 10
    while True:
        response = httpx.get(f"{server.url}/api/v1/traces/{trace_id}", headers=server.auth)
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            if len(body["observations"]) >= observations:
                return body
        if time.monotonic() > deadline:
            raise AssertionError(f"trace {trace_id} incomplete: {response.text[:2000]}")
        time.sleep(0.05)


def by_name(trace: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The trace's observations keyed by name."""
    return {o["name"]: o for o in trace["observations"]}
