"""Semantic-convention families, table-driven (owned by the convention-mapping work)."""

from __future__ import annotations

from typing import Any

from tracehouse.otlp.spans import LogData, SpanData
from tracehouse.records import ObservationRecord, TraceRecord


def apply_span(
    span: SpanData, obs: ObservationRecord, trace: TraceRecord, attrs: dict[str, Any]
) -> None:
    """Fill `obs` and `trace` from the span's convention attributes.

    `attrs` is a copy of the span's attributes: pop every key consumed; what is left is kept
    on the observation as `attributes` (never dropped).
    """


def apply_log(log: LogData, obs: ObservationRecord) -> None:
    """Fill `obs` (id/trace_id already set from the log's span) from a GenAI log record."""
