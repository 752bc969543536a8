"""GET /usage and /usage/daily, and the quota check of ingestion (402 over a hard limit)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from tracehouse.analytics import segments, window
from tracehouse.analytics.aggregate import TraceAgg
from tracehouse.clock import iso, now_us, to_us
from tracehouse.errors import QuotaExceeded
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters
from tracehouse.usage import counter, store

DAY_US = window.DAY_US
LIMITED = ("traces", "observations", "api_requests")


def month_start(now: int) -> int:
    today = datetime.fromtimestamp(now / 1_000_000, tz=UTC)
    start = to_us(today.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    assert start is not None
    return start


def _figures(rt: Runtime, project: int, span: window.Window) -> segments.Figures:
    filters = window.shifted(TraceFilters(), span)
    plan = segments.plan(project, filters, span, DAY_US)
    plan = segments.prepare(rt, plan)
    with rt.db.reader.connect() as conn:
        return segments.trace_figures(conn, plan, DAY_US, 0, percentiles=False)


def month_usage(
    rt: Runtime, project: int
) -> tuple[window.Window, dict[str, Any], str, dict[str, Any]]:
    counter.flush(rt)
    now = now_us()
    span = window.Window(month_start(now), now + 1)
    figures = _figures(rt, project, span)
    total = figures.total
    with rt.db.reader.connect() as conn:
        requests = store.requests_total(conn, project, span.start, span.end)
        plan = store.project_plan(conn, project)
    used = {
        "traces": total.traces,
        "observations": total.observations,
        "tokens": total.tokens,
        "cost": total.cost,
        "api_requests": requests,
    }
    return span, used, plan, figures.freshness


def usage(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    span, used, plan, freshness = month_usage(rt, scope.project_rowid)
    limits = rt.settings.plan_limits.get(plan, {})
    metrics = [_metric(name, used[name], limits.get(name)) for name in LIMITED]
    return {
        "plan": plan,
        "period": {"from": iso(span.start), "to": iso(span.end)},
        "usage": used,
        "limits": {name: limits.get(name) for name in LIMITED},
        "metrics": metrics,
        "over_limit": any(m["over_limit"] for m in metrics),
        "freshness": freshness,
    }


def _metric(name: str, used: int, limit: int | None) -> dict[str, Any]:
    return {
        "metric": name,
        "used": used,
        "limit": limit,
        "remaining": None if limit is None else max(limit - used, 0),
        "percent": None if not limit else used / limit * 100,
        "over_limit": limit is not None and used >= limit,
    }


def daily(rt: Runtime, scope: ProjectScope, days: int = 30) -> dict[str, Any]:
    counter.flush(rt)
    now = now_us()
    end = now - now % DAY_US + DAY_US
    span = window.Window(end - days * DAY_US, end)
    figures = _figures(rt, scope.project_rowid, span)
    with rt.db.reader.connect() as conn:
        requests = store.requests_per_day(conn, scope.project_rowid, span.start, span.end)
    rows = []
    for day in range(span.start, span.end, DAY_US):
        agg = figures.buckets.get(day, TraceAgg())
        rows.append(
            {
                "date": str(iso(day))[:10],
                "traces": agg.traces,
                "observations": agg.observations,
                "tokens": agg.tokens,
                "cost": agg.cost,
                "api_requests": requests.get(day, 0),
            }
        )
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "data": rows,
        "freshness": figures.freshness,
    }


async def check_quota(rt: Runtime, scope: ProjectScope) -> None:
    """Raise QuotaExceeded (402) when the project is over a hard limit of its plan this month.

    The answer is cached per project for `usage_cache_seconds`; the check itself runs in a
    worker thread, off the event loop."""
    cached = rt.quota_cache.get(scope.project_rowid)
    if cached is None or cached[0] <= time.monotonic():
        violation = await asyncio.to_thread(_violation, rt, scope)
        cached = (time.monotonic() + rt.settings.usage_cache_seconds, violation)
        rt.quota_cache[scope.project_rowid] = cached
    if cached[1] is not None:
        raise QuotaExceeded(cached[1], {"upgrade": "Raise the project's plan or wait a month."})


def _violation(rt: Runtime, scope: ProjectScope) -> str | None:
    with rt.db.reader.connect() as conn:
        plan = store.project_plan(conn, scope.project_rowid)
    limits = rt.settings.plan_limits.get(plan, {})
    if all(limits.get(name) is None for name in LIMITED):
        return None
    _, used, _, _ = month_usage(rt, scope.project_rowid)
    for name in LIMITED:
        limit = limits.get(name)
        if limit is not None and used[name] >= limit:
            return (
                f"The {plan} plan's limit of {limit} {name.replace('_', ' ')} a month is reached."
            )
    return None
