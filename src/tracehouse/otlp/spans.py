"""Plain OTLP data, decoded from protobuf or JSON: what the convention mapping reads.

The transport (`otlp/decode.py`) turns an `ExportTraceServiceRequest` or
`ExportLogsServiceRequest` into these; `tracehouse.conventions` maps them onto the canonical
records. Attribute values are plain Python: str, bool, int, float, bytes, list or dict
(AnyValue kvlist → dict). Times are epoch microseconds; ids are lowercase hex.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SpanEvent:
    name: str
    time: int | None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanData:
    trace_id: str  # 32 hex chars
    span_id: str  # 16 hex chars
    parent_span_id: str | None
    name: str
    kind: int  # SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer
    start_time: int | None
    end_time: int | None
    status_code: int  # 0 unset, 1 ok, 2 error
    status_message: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[SpanEvent] = field(default_factory=list)
    resource: dict[str, Any] = field(default_factory=dict)
    scope_name: str | None = None
    scope_version: str | None = None


@dataclass(slots=True)
class LogData:
    """One OTLP log record (GenAI instrumentations send message content this way)."""

    trace_id: str | None
    span_id: str | None
    time: int | None
    event_name: str | None  # LogRecord.event_name, or the `event.name` attribute
    severity_number: int
    severity_text: str | None
    body: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    resource: dict[str, Any] = field(default_factory=dict)
    scope_name: str | None = None
