"""GET /analytics and GET /failures: the dashboard summary, charts, breakdowns, failure lists."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, false

from tracehouse.analytics import render, segments, store, window
from tracehouse.analytics.aggregate import ModelAgg, TraceAgg
from tracehouse.audit import service as audit
from tracehouse.clock import iso, now_us
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.store.tables import traces
from tracehouse.traces.filters import TraceFilters

BREAKDOWN_LIMIT = 20
RECENT_FAILURES = 10
FailureKind = Literal["failed", "retries", "slow"]
KINDS = {"failed": "failed_traces", "retries": "retries", "slow": "slow_requests"}


@deadline.limited
def analytics(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    filters, span = window.resolve(filters, rt.settings.analytics_max_range_days)
    project = scope.project_rowid
    width, offset = span.bucket_us, span.bucket_offset
    plan = segments.plan(project, filters, span, width)
    plan = segments.prepare(rt, plan)
    groups = segments.groups_beside(rt, plan)
    with rt.db.reader.connect() as conn:
        figures = segments.trace_figures(conn, plan, width, offset)
        threshold = slow_threshold(conn, project, figures.percentile(95))
        body: dict[str, Any] = {
            "from": iso(span.start),
            "to": iso(span.end),
            "summary": _summary(conn, plan, figures, threshold["ms"]),
            "slow_threshold": threshold,
            "bucket_seconds": width // 1_000_000,
            "percentiles": "exact" if figures.exact is not None else "sketch",
            "freshness": figures.freshness,
            "charts": charts(figures, span, width, offset),
            "status_breakdown": _ranked(figures.by["status"]),
            "model_breakdown": None,  # below, read beside
            "project_breakdown": [{"key": scope.project_id, "count": figures.total.traces}],
            "environment_breakdown": _ranked(figures.by["environment"]),
            "user_breakdown": None,  # below, read beside
            "name_breakdown": _ranked(figures.by["name"]),
        }
        rows = store.list_where(
            conn, project, filters, traces.c.status == "error", PageParams(limit=RECENT_FAILURES)
        )
        body["recent_failures"] = _items(conn, project, rows[:RECENT_FAILURES])
    models, users = segments.breakdowns(groups, plan, figures)
    body["model_breakdown"] = _models(models)
    body["user_breakdown"] = [agg.item(key) for key, agg in _top(users)]
    return body


def slow_threshold(conn: Connection, project_rowid: int, p95: float | None) -> dict[str, Any]:
    """The project's threshold when set, else the p95 latency of the traces asked about."""
    configured = store.slow_threshold(conn, project_rowid)
    if configured is not None:
        return {"ms": configured, "source": "project"}
    return {"ms": p95, "source": "p95"}


def _summary(
    conn: Connection, plan: segments.Plan, f: segments.Figures, slow_ms: float | None
) -> dict[str, Any]:
    total = f.total
    n, failed = total.traces, total.failed
    return {
        "total_traces": n,
        "success_rate": (n - failed) / n * 100 if n else None,
        "error_rate": failed / n * 100 if n else None,
        "average_latency": total.avg_latency,
        **{f"p{q}_latency": f.percentile(q) for q in (50, 95, 99)},
        "total_tokens": total.tokens,
        "total_token_usage": total.tokens,
        "total_cost": total.cost,
        "failed_traces": failed,
        "warning_traces": total.warnings,
        "retries": total.retried,
        "slow_requests": segments.count_over(conn, plan, f, slow_ms),
    }


def charts(
    f: segments.Figures, span: window.Window, width: int, offset: int
) -> list[dict[str, Any]]:
    return [
        render.bucket_point(at, width, f.buckets.get(at, TraceAgg()))
        for at in span.bucket_starts(width, offset)
    ]


def _top(groups: dict[Any, Any]) -> list[tuple[Any, Any]]:
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1].traces, str(kv[0])))
    return ranked[:BREAKDOWN_LIMIT]


def _ranked(groups: dict[Any, TraceAgg]) -> list[dict[str, Any]]:
    return [agg.item(key) for key, agg in _top(groups)]


def _models(models: dict[str, ModelAgg]) -> list[dict[str, Any]]:
    """Traces that called each model (a trace counts once per model), its calls, their cost
    and tokens."""
    return [
        {
            "key": model,
            "count": agg.traces,
            "calls": agg.calls,
            "cost": agg.cost,
            "input_tokens": agg.input_tokens,
            "output_tokens": agg.output_tokens,
            "total_tokens": agg.total_tokens,
        }
        for model, agg in _top(models)
    ]


def _items(conn: Connection, project: int, rows: list[Any]) -> list[dict[str, Any]]:
    errors = store.first_errors(conn, project, [row["id"] for row in rows])
    return [render.trace_item(row, errors.get(row["id"])) for row in rows]


@deadline.limited
def failures(
    rt: Runtime,
    scope: ProjectScope,
    filters: TraceFilters,
    page: PageParams,
    kind: FailureKind | None,
) -> dict[str, Any]:
    """Failed traces, retried traces and slow traces, each a page with its total."""
    filters, span = window.resolve(filters, rt.settings.analytics_max_range_days)
    project = scope.project_rowid
    width, offset = span.bucket_us, span.bucket_offset
    plan = segments.plan(project, filters, span, width)
    plan = segments.prepare(rt, plan)
    with rt.db.reader.connect() as conn:
        # The same figures as GET /analytics, so both agree on the threshold and the totals.
        figures = segments.trace_figures(conn, plan, width, offset)
        threshold = slow_threshold(conn, project, figures.percentile(95))
        limit = threshold["ms"]
        totals = {
            "failed_traces": figures.total.failed,
            "retries": figures.total.retried,
            "slow_requests": segments.count_over(conn, plan, figures, limit),
        }
        conditions = {
            "failed_traces": traces.c.status == "error",
            "retries": store.retried(),
            "slow_requests": false() if limit is None else traces.c.latency_ms > limit,
        }
        body: dict[str, Any] = {"from": iso(span.start), "to": iso(span.end)}
        for name, condition in conditions.items():
            if kind is None or KINDS[kind] == name:
                rows = store.list_where(conn, project, filters, condition, page)
                listed = page_body(rows, page, totals[name], dict, _cursor)
                listed["data"] = _items(conn, project, listed["data"])
                body[name] = listed
    body["totals"] = totals
    body["freshness"] = figures.freshness
    body["slow_threshold"] = threshold
    return body


def _cursor(row: Any) -> tuple[int, int]:
    return row["start_time"], row["trace_rowid"]


def set_settings(rt: Runtime, scope: ProjectScope, slow_threshold_ms: float | None) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        before = store.slow_threshold(conn, scope.project_rowid)
        store.set_slow_threshold(conn, scope.project_rowid, slow_threshold_ms, now_us())
        audit.record(
            conn,
            "analytics_settings.update",
            ("project", scope.project_id),
            project_rowid=scope.project_rowid,
            before={"slow_threshold_ms": before},
            after={"slow_threshold_ms": slow_threshold_ms},
        )


def get_settings(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return {"slow_threshold_ms": store.slow_threshold(conn, scope.project_rowid)}
