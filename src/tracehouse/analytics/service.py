"""GET /analytics and GET /failures: the dashboard summary, charts, breakdowns, failure lists."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from sqlalchemy import Connection, false

from tracehouse import jsontext
from tracehouse.analytics import render, stats, store, window
from tracehouse.clock import iso, now_us
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.store.tables import traces
from tracehouse.traces.filters import TraceFilters

BREAKDOWN_LIMIT = 20
RECENT_FAILURES = 10
FailureKind = Literal["failed", "retries", "slow"]


def analytics(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    filters, span = window.resolve(filters)
    project = scope.project_rowid
    with rt.db.reader.connect() as conn:
        summary, threshold = _summary(conn, project, filters)
        body: dict[str, Any] = {
            "from": iso(span.start),
            "to": iso(span.end),
            "summary": summary,
            "slow_threshold": threshold,
            "bucket_seconds": span.bucket_us // 1_000_000,
            "charts": _charts(conn, project, filters, span),
            "status_breakdown": _breakdown(conn, project, filters, "status"),
            "model_breakdown": _models(conn, project, filters),
            "project_breakdown": [{"key": scope.project_id, "count": summary["total_traces"]}],
            "environment_breakdown": _breakdown(conn, project, filters, "environment"),
            "user_breakdown": _breakdown(conn, project, filters, "user_id"),
            "name_breakdown": _breakdown(conn, project, filters, "name"),
        }
        rows = store.list_where(
            conn, project, filters, traces.c.status == "error", PageParams(limit=RECENT_FAILURES)
        )
        body["recent_failures"] = _items(conn, project, rows[:RECENT_FAILURES])
    return body


def slow_threshold(
    conn: Connection, project_rowid: int, ordered_latencies: list[float]
) -> dict[str, Any]:
    """The project's threshold when set, else the p95 latency of the traces asked about."""
    configured = store.slow_threshold(conn, project_rowid)
    if configured is not None:
        return {"ms": configured, "source": "project"}
    return {"ms": stats.percentile(ordered_latencies, 95), "source": "p95"}


def _summary(
    conn: Connection, project: int, filters: TraceFilters
) -> tuple[dict[str, Any], dict[str, Any]]:
    row = store.totals(conn, project, filters)
    ordered = store.latencies(conn, project, filters)
    threshold = slow_threshold(conn, project, ordered)
    total, failed = int(row.traces), int(row.failed)
    summary = {
        "total_traces": total,
        "success_rate": (total - failed) / total * 100 if total else None,
        "error_rate": failed / total * 100 if total else None,
        "average_latency": row.avg_latency,
        **{f"{k}_latency": v for k, v in stats.percentiles(ordered).items()},
        "total_tokens": int(row.tokens),
        "total_token_usage": int(row.tokens),
        "total_cost": float(row.cost),
        "failed_traces": failed,
        "warning_traces": int(row.warnings),
        "retries": store.count_where(conn, project, filters, store.retried()),
        "slow_requests": store.count_over(conn, project, filters, threshold["ms"]),
    }
    return summary, threshold


def _charts(
    conn: Connection, project: int, filters: TraceFilters, span: window.Window
) -> list[dict[str, Any]]:
    width = span.bucket_us
    rows = {int(r.bucket): r for r in store.series(conn, project, filters, span.start, width)}
    count = -(-(span.end - span.start) // width)
    return [render.bucket_point(span.start, width, i, rows.get(i)) for i in range(count)]


def _breakdown(
    conn: Connection, project: int, filters: TraceFilters, column: str
) -> list[dict[str, Any]]:
    rows = store.breakdown(conn, project, filters, column, BREAKDOWN_LIMIT)
    return [render.group_item(row, row.key) for row in rows]


def _models(conn: Connection, project: int, filters: TraceFilters) -> list[dict[str, Any]]:
    """Traces (and failed traces) that called each model; a trace counts once per model."""
    counts: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for row in store.model_sets(conn, project, filters):
        for model in jsontext.loads(row.models) or []:
            counts[model] += int(row.traces)
            failed[model] += int(row.failed)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"key": model, "count": n, "failed": failed[model], "error_rate": failed[model] / n}
        for model, n in ranked[:BREAKDOWN_LIMIT]
    ]


def _items(conn: Connection, project: int, rows: list[Any]) -> list[dict[str, Any]]:
    errors = store.first_errors(conn, project, [row["id"] for row in rows])
    return [render.trace_item(row, errors.get(row["id"])) for row in rows]


def failures(
    rt: Runtime,
    scope: ProjectScope,
    filters: TraceFilters,
    page: PageParams,
    kind: FailureKind | None,
) -> dict[str, Any]:
    """Failed traces, retried traces and slow traces, each a page with its total."""
    filters, span = window.resolve(filters)
    project = scope.project_rowid
    with rt.db.reader.connect() as conn:
        threshold = slow_threshold(conn, project, store.latencies(conn, project, filters))
        limit = threshold["ms"]
        conditions = {
            "failed": traces.c.status == "error",
            "retries": store.retried(),
            "slow": false() if limit is None else traces.c.latency_ms > limit,
        }
        names = {"failed": "failed_traces", "retries": "retries", "slow": "slow_requests"}
        body: dict[str, Any] = {"from": iso(span.start), "to": iso(span.end)}
        totals: dict[str, int] = {}
        for key, condition in conditions.items():
            totals[names[key]] = store.count_where(conn, project, filters, condition)
            if kind is None or kind == key:
                rows = store.list_where(conn, project, filters, condition, page)
                listed = page_body(rows, page, totals[names[key]], dict, _cursor)
                listed["data"] = _items(conn, project, listed["data"])
                body[names[key]] = listed
    body["totals"] = totals
    body["slow_threshold"] = threshold
    return body


def _cursor(row: Any) -> tuple[int, int]:
    return row["start_time"], row["trace_rowid"]


def set_settings(rt: Runtime, scope: ProjectScope, slow_threshold_ms: float | None) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        store.set_slow_threshold(conn, scope.project_rowid, slow_threshold_ms, now_us())


def get_settings(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return {"slow_threshold_ms": store.slow_threshold(conn, scope.project_rowid)}
