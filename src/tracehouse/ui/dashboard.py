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
from tracehouse.ui.templating import cost, number

RANGES = {"1h": 3_600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
DEFAULT_RANGE = "24h"
TOP = 10
WIDTH, HEIGHT = 560, 150
GUTTER, TOP_ROOM = 72, 12  # room for the y axis's labels, and above the highest bar

#: The summary figures shown as cards, with their definitions (as in the analytics docs).
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
    unit: str = "traces"

    @property
    def peak(self) -> float:
        return max(self.values) if self.values else 0.0

    def label(self, value: float) -> str:
        """A value with its unit, as people read it (`$0.0042`, `12,400 tokens`)."""
        return cost(value) if self.unit == "$" else f"{number(value)} {self.unit}"

    def ticks(self) -> list[dict[str, Any]]:
        """The y axis: zero, half the peak and the peak, with their labels."""
        plot = HEIGHT - TOP_ROOM
        return [
            {"y": round(HEIGHT - share * plot, 2), "label": self.label(self.peak * share)}
            for share in ((0.0, 0.5, 1.0) if self.peak else (0.0,))
        ]

    def bars(self) -> list[dict[str, Any]]:
        top = self.peak or 1.0
        width = (WIDTH - GUTTER) / max(len(self.values), 1)
        plot = HEIGHT - TOP_ROOM
        return [
            {
                "x": round(GUTTER + i * width + 1, 2),
                "w": round(max(width - 2, 1), 2),
                "h": round(v / top * plot, 2),
                "y": round(HEIGHT - v / top * plot, 2),
                "v": self.label(v),
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
        "gutter": GUTTER,
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
        Series(
            "Errors", column("failed"), f"{summary['failed_traces']:,}", "errors", unit="failed"
        ),
        Series("Tokens", column("tokens"), f"{summary['total_tokens']:,}", unit="tokens"),
        Series("Cost", column("cost"), cost(summary["total_cost"]), unit="$"),
    ]
