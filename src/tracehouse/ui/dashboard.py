"""The dashboard's figures for a time range, read from the analytics service (the same code path
as `GET /api/v1/analytics`), and their SVG geometry (no chart library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tracehouse.analytics import service
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters

RANGES = {"1h": 3_600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
DEFAULT_RANGE = "24h"
TOP = 10
WIDTH, HEIGHT = 560, 140
DOCS = "docs/analytics.md#definitions"

#: The summary figures shown as cards, with their definitions in docs/analytics.md.
TERMS: tuple[tuple[str, str, str], ...] = (
    ("success_rate", "Success rate", "(total - failed) / total x 100; warnings count as successes"),
    ("failed_traces", "Failed", "traces with status error"),
    ("slow_requests", "Slow", "traces slower than the slow threshold (project setting, else p95)"),
    ("retries", "Retries", "traces that repeat a failed observation (same parent and name)"),
)


@dataclass
class Series:
    """One chart: its values per bucket and the SVG it draws."""

    title: str
    values: list[float]
    total: str
    kind: str = "count"

    @property
    def peak(self) -> float:
        return max(self.values) if self.values else 0.0

    def bars(self) -> list[dict[str, float]]:
        top = self.peak or 1.0
        width = WIDTH / max(len(self.values), 1)
        return [
            {
                "x": round(i * width + 1, 2),
                "w": round(max(width - 2, 1), 2),
                "h": round(v / top * (HEIGHT - 20), 2),
                "y": round(HEIGHT - v / top * (HEIGHT - 20), 2),
                "v": v,
            }
            for i, v in enumerate(self.values)
        ]


def parse_time(value: str | None, field: str) -> datetime | None:
    """A `from`/`to` input: RFC 3339 or a `datetime-local` value (read as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRequest(f"`{field}` is not a date and time.", {"field": field}) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def time_filters(range_name: str, start: str | None, end: str | None, now: int) -> TraceFilters:
    """The analytics filters: a custom `from`/`to` when given, else the preset before now."""
    to_time = parse_time(end, "to") or datetime.fromtimestamp(now / 1_000_000, tz=UTC)
    seconds = RANGES.get(range_name, RANGES[DEFAULT_RANGE])
    from_time = parse_time(start, "from") or to_time - timedelta(seconds=seconds)
    return TraceFilters(from_time=from_time, to_time=to_time)


def build(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    """One call of the analytics service: every figure on the page is from its answer."""
    body = service.analytics(rt, scope, filters)
    summary = body["summary"]
    points = body["charts"]
    models = body["model_breakdown"][:TOP]
    users = body["user_breakdown"][:TOP]
    return {
        "from": body["from"],
        "to": body["to"],
        "bucket": bucket_label(body["bucket_seconds"]),
        "summary": summary,
        "terms": TERMS,
        "docs": DOCS,
        "slow_threshold": body["slow_threshold"],
        "charts": _charts(points, summary),
        "latency": {p: summary[f"p{p}_latency"] for p in (50, 95, 99)},
        "latency_kind": body["percentiles"],
        "freshness": body["freshness"],
        "models": models,
        "model_peak": max((float(m["cost"]) for m in models), default=0.0) or 1.0,
        "users": users,
        "user_peak": max((int(u["count"]) for u in users), default=0) or 1,
        "width": WIDTH,
        "height": HEIGHT,
    }


def bucket_label(seconds: int) -> str:
    for unit, size in (("week", 604_800), ("day", 86_400), ("hour", 3_600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _charts(points: list[dict[str, Any]], summary: dict[str, Any]) -> list[Series]:
    def column(key: str) -> list[float]:
        return [float(p[key] or 0) for p in points]

    return [
        Series("Traces", column("traces"), f"{summary['total_traces']:,}"),
        Series("Errors", column("failed"), f"{summary['failed_traces']:,}", kind="errors"),
        Series("Tokens", column("tokens"), f"{summary['total_tokens']:,}"),
        Series("Cost", column("cost"), f"${summary['total_cost']:.4f}"),
    ]
