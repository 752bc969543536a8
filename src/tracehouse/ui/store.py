"""The UI's own reads: score chips for a page of traces and the dashboard's aggregates.

Simple SQL over the same tables the services read; everything else comes from the services.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select, text

from tracehouse.store.tables import memberships, observations, scores, traces, users


def trace_scores(conn: Connection, project_rowid: int, trace_ids: list[str]) -> dict[str, Any]:
    """{trace id: [(name, average value, count)]} for numeric and boolean scores."""
    s = scores.c
    query = (
        select(s.trace_id, s.name, func.avg(s.value).label("value"), func.count().label("n"))
        .where(s.project_rowid == project_rowid, s.trace_id.in_(trace_ids), s.value.is_not(None))
        .group_by(s.trace_id, s.name)
        .order_by(s.name)
    )
    out: dict[str, list[tuple[str, float, int]]] = {}
    for row in conn.execute(query):
        out.setdefault(row.trace_id, []).append((row.name, float(row.value), int(row.n)))
    return out


def buckets(conn: Connection, project_rowid: int, start: int, end: int, step: int) -> list[Any]:
    """Per time bucket (epoch µs): traces, errors, tokens, cost."""
    t = traces.c
    bucket = ((t.start_time - start) / step).label("bucket")
    query = (
        select(
            func.floor(bucket).label("bucket"),
            func.count().label("traces"),
            func.sum(case((t.status == "error", 1), else_=0)).label("errors"),
            func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
            func.coalesce(func.sum(t.cost), 0.0).label("cost"),
        )
        .where(t.project_rowid == project_rowid, t.start_time >= start, t.start_time < end)
        .group_by(text("1"))  # by position: the bucket expression carries bound parameters
    )
    return list(conn.execute(query).mappings())


def latencies(conn: Connection, project_rowid: int, start: int, end: int) -> list[float]:
    """Trace latencies in the range, at most 100,000 of them (percentiles come from these)."""
    t = traces.c
    query = (
        select(t.latency_ms)
        .where(
            t.project_rowid == project_rowid,
            t.start_time >= start,
            t.start_time < end,
            t.latency_ms.is_not(None),
        )
        .limit(100_000)
    )
    return sorted(float(v) for v in conn.execute(query).scalars())


def by_model(conn: Connection, project_rowid: int, start: int, end: int) -> list[Any]:
    o = observations.c
    cost = func.coalesce(o.reported_total_cost, o.computed_total_cost)
    query = (
        select(
            o.model,
            func.count().label("calls"),
            func.coalesce(func.sum(o.total_tokens), 0).label("tokens"),
            func.coalesce(func.sum(cost), 0.0).label("cost"),
        )
        .where(
            o.project_rowid == project_rowid,
            o.model.is_not(None),
            o.start_time >= start,
            o.start_time < end,
        )
        .group_by(o.model)
        .order_by(func.coalesce(func.sum(cost), 0.0).desc())
        .limit(10)
    )
    return list(conn.execute(query).mappings())


def top_users(conn: Connection, project_rowid: int, start: int, end: int) -> list[Any]:
    t = traces.c
    query = (
        select(
            t.user_id,
            func.count().label("traces"),
            func.coalesce(func.sum(t.cost), 0.0).label("cost"),
            func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
        )
        .where(
            t.project_rowid == project_rowid,
            t.user_id.is_not(None),
            t.start_time >= start,
            t.start_time < end,
        )
        .group_by(t.user_id)
        .order_by(func.count().desc())
        .limit(10)
    )
    return list(conn.execute(query).mappings())


def members(conn: Connection, org_rowid: int) -> list[Any]:
    m, u = memberships.c, users.c
    query = (
        select(u.email, u.name, u.is_admin, m.role)
        .join_from(memberships, users, m.user_rowid == u.user_rowid)
        .where(m.org_rowid == org_rowid)
        .order_by(u.email)
    )
    return list(conn.execute(query).mappings())
