"""GET /analytics/costs and /analytics/cost-intelligence: spend by model, user, day and feature,
model efficiency, and savings recommendations derived from the data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics import recommend, render, store, window
from tracehouse.clock import iso
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters

USER_LIMIT = 50
FEATURE_LIMIT = 50


def costs(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    filters, span = window.resolve(filters, default_us=30 * window.DAY_US)
    project = scope.project_rowid
    with rt.db.reader.connect() as conn:
        totals = store.totals(conn, project, filters)
        models = _model_rows(conn, project, filters, span)
        users = store.breakdown(conn, project, filters, "user_id", USER_LIMIT)
        day0 = span.start - span.start % window.DAY_US
        days = {int(r.bucket): r for r in store.series(conn, project, filters, day0, window.DAY_US)}
    count = -(-(span.end - day0) // window.DAY_US)
    daily = [render.bucket_point(day0, window.DAY_US, i, days.get(i)) for i in range(count)]
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "currency": "USD",
        "total_cost": float(totals.cost),
        "total_tokens": int(totals.tokens),
        "total_traces": int(totals.traces),
        "by_model": models,
        "by_user": [
            {**render.group_item(row, row.key), "user_id": row.key, "traces": int(row.traces)}
            for row in users
        ],
        "daily": [{**point, "date": point["start"][:10]} for point in daily],
    }


def _model_rows(
    conn: Connection, project: int, filters: TraceFilters, span: window.Window
) -> list[dict[str, Any]]:
    rows = store.model_usage(conn, project, filters, span.start, span.end)
    total_cost = sum(float(r.cost) for r in rows)
    out = []
    for row in sorted(rows, key=lambda r: (-float(r.cost), r.model)):
        calls, cost, tokens = int(row.calls), float(row.cost), int(row.total_tokens)
        out.append(
            {
                "model": row.model,
                "calls": calls,
                "failed_calls": int(row.failed),
                "input_tokens": int(row.input_tokens),
                "output_tokens": int(row.output_tokens),
                "total_tokens": tokens,
                "cost": cost,
                "share_of_cost": cost / total_cost if total_cost else None,
                "avg_cost_per_call": cost / calls,
                "avg_tokens": tokens / calls,
                "avg_duration_ms": None if row.avg_duration is None else float(row.avg_duration),
                "cost_per_1k_tokens": cost / tokens * 1000 if tokens else None,
                "error_rate": int(row.failed) / calls,
            }
        )
    return out


def cost_intelligence(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    filters, span = window.resolve(filters, default_us=30 * window.DAY_US)
    project = scope.project_rowid
    with rt.db.reader.connect() as conn:
        features = [
            _feature(row) for row in store.breakdown(conn, project, filters, "name", FEATURE_LIMIT)
        ]
        models = _model_rows(conn, project, filters, span)
        statuses = {r.key: r for r in store.breakdown(conn, project, filters, "status", 5)}
    failed = statuses.get("error")
    failed_cost = float(failed.cost) if failed is not None else 0.0
    failed_count = int(failed.traces) if failed is not None else 0
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "days": span.days,
        "by_feature": features,
        "model_efficiency": models,
        "recommendations": recommend.recommendations(
            models, features, failed_cost, failed_count, span.days
        ),
    }


def _feature(row: Any) -> dict[str, Any]:
    traces = int(row.traces)
    return {
        "name": row.key,
        "count": traces,
        "total_cost": float(row.cost),
        "avg_cost": float(row.cost) / traces,
        "avg_tokens": int(row.tokens) / traces,
        "avg_duration_ms": row.avg_latency,
        "failed": int(row.failed),
        "error_rate": int(row.failed) / traces,
    }
