"""GET /analytics/costs and /analytics/cost-intelligence: spend by model, user, day and feature,
model efficiency, and savings recommendations derived from the data."""

from __future__ import annotations

from typing import Any

from tracehouse.analytics import recommend, render, segments, window
from tracehouse.analytics.aggregate import ModelAgg, TraceAgg
from tracehouse.clock import iso
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.traces.filters import TraceFilters

USER_LIMIT = 50
FEATURE_LIMIT = 50
DAY_US = window.DAY_US


def _prepare(
    rt: Runtime, scope: ProjectScope, filters: TraceFilters
) -> tuple[segments.Plan, window.Window]:
    filters, span = window.resolve(
        filters, rt.settings.analytics_max_range_days, default_us=30 * DAY_US
    )
    plan = segments.plan(scope.project_rowid, filters, span, DAY_US)
    plan = segments.prepare(rt, plan)
    return plan, span


@deadline.limited
def costs(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    plan, span = _prepare(rt, scope, filters)
    groups = segments.groups_beside(rt, plan)
    with rt.db.reader.connect() as conn:
        figures = segments.trace_figures(conn, plan, DAY_US, 0, percentiles=False)
    by_model, users = segments.breakdowns(groups, plan, figures)
    models = model_rows(by_model)
    ranked = sorted(users.items(), key=lambda kv: (-kv[1].cost, str(kv[0])))[:USER_LIMIT]
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "currency": "USD",
        "freshness": figures.freshness,
        "total_cost": figures.total.cost,
        "total_tokens": figures.total.tokens,
        "total_traces": figures.total.traces,
        "by_model": models,
        "by_user": [{**agg.item(key), "user_id": key, "traces": agg.traces} for key, agg in ranked],
        "daily": [
            _day(at, figures.buckets.get(at, TraceAgg())) for at in span.bucket_starts(DAY_US, 0)
        ],
    }


def model_rows(models: dict[str, ModelAgg]) -> list[dict[str, Any]]:
    total_cost = sum(m.cost for m in models.values())
    out = []
    for name, m in sorted(models.items(), key=lambda kv: (-kv[1].cost, kv[0])):
        out.append(
            {
                "model": name,
                "calls": m.calls,
                "traces": m.traces,
                "failed_calls": m.failed_calls,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "total_tokens": m.total_tokens,
                "cost": m.cost,
                "share_of_cost": m.cost / total_cost if total_cost else None,
                "avg_cost_per_call": m.cost / m.calls if m.calls else 0.0,
                "avg_tokens": m.total_tokens / m.calls if m.calls else 0.0,
                "avg_duration_ms": m.duration_sum / m.duration_count if m.duration_count else None,
                "cost_per_1k_tokens": m.cost / m.total_tokens * 1000 if m.total_tokens else None,
                "error_rate": m.failed_calls / m.calls if m.calls else None,
            }
        )
    return out


@deadline.limited
def cost_intelligence(rt: Runtime, scope: ProjectScope, filters: TraceFilters) -> dict[str, Any]:
    plan, span = _prepare(rt, scope, filters)
    by_model = segments.beside(rt, lambda conn: segments.model_figures(conn, plan))
    with rt.db.reader.connect() as conn:
        figures = segments.trace_figures(conn, plan, DAY_US, 0, percentiles=False)
    models = model_rows(by_model.result())
    names = sorted(figures.by["name"].items(), key=lambda kv: (-kv[1].cost, str(kv[0])))
    features = [_feature(name, agg) for name, agg in names[:FEATURE_LIMIT]]
    failed = figures.by["status"].get("error", TraceAgg())
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "days": span.days,
        "freshness": figures.freshness,
        "by_feature": features,
        "model_efficiency": models,
        "recommendations": recommend.recommendations(
            models, features, failed.cost, failed.traces, span.days
        ),
    }


def _feature(name: Any, agg: TraceAgg) -> dict[str, Any]:
    return {
        "name": name,
        "count": agg.traces,
        "total_cost": agg.cost,
        "avg_cost": agg.cost / agg.traces if agg.traces else 0.0,
        "avg_tokens": agg.tokens / agg.traces if agg.traces else 0.0,
        "avg_duration_ms": agg.avg_latency,
        "failed": agg.failed,
        "error_rate": agg.failed / agg.traces if agg.traces else None,
    }


def _day(at: int, agg: TraceAgg) -> dict[str, Any]:
    return {**render.bucket_point(at, DAY_US, agg), "date": str(iso(at))[:10]}
