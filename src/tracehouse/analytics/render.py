"""Analytics rows to API objects: trace list items and chart points."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.analytics.aggregate import TraceAgg
from tracehouse.clock import iso


def trace_item(row: Any, error: Any = None) -> dict[str, Any]:
    """A trace as the failure lists show it (no input or output), with its first failed step."""
    return {
        "id": row["id"],
        "name": row["name"],
        "start_time": iso(row["start_time"]),
        "end_time": iso(row["end_time"]),
        "latency_ms": row["latency_ms"],
        "status": row["status"],
        "status_message": row["status_message"],
        "user_id": row["user_id"],
        "session_id": row["session_id"],
        "environment": row["environment"],
        "error_count": row["error_count"],
        "observation_count": row["observation_count"],
        "total_tokens": row["total_tokens"],
        "cost": row["cost"],
        "models": jsontext.loads(row["models"]) or [],
        "failed_step": failed_step(error),
    }


def failed_step(error: Any) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "observation_id": error.id,
        "type": error.type,
        "name": error.name,
        "message": error.status_message,
        "start_time": iso(error.start_time),
    }


def bucket_point(at: int, width: int, agg: TraceAgg) -> dict[str, Any]:
    return {
        "start": iso(at),
        "end": iso(at + width),
        "label": iso(at),
        "traces": agg.traces,
        "failed": agg.failed,
        "error_rate": agg.failed / agg.traces if agg.traces else None,
        "avg_latency_ms": agg.avg_latency,
        "latency": agg.avg_latency,
        "tokens": agg.tokens,
        "cost": agg.cost,
    }
