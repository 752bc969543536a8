"""Analytics rows to API objects: trace list items and chart points."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
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


def bucket_point(start: int, width: int, index: int, row: Any) -> dict[str, Any]:
    at = start + index * width
    traces = int(row.traces) if row is not None else 0
    failed = int(row.failed) if row is not None else 0
    return {
        "start": iso(at),
        "end": iso(at + width),
        "traces": traces,
        "failed": failed,
        "error_rate": failed / traces if traces else None,
        "avg_latency_ms": None if row is None or row.avg_latency is None else row.avg_latency,
        "tokens": int(row.tokens) if row is not None else 0,
        "cost": float(row.cost) if row is not None else 0.0,
    }


def group_item(row: Any, key: Any) -> dict[str, Any]:
    traces = int(row.traces)
    return {
        "key": key,
        "count": traces,
        "failed": int(row.failed),
        "error_rate": int(row.failed) / traces if traces else None,
        "avg_latency_ms": row.avg_latency,
        "tokens": int(row.tokens),
        "cost": float(row.cost),
    }
