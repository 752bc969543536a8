"""The UI's own reads: score chips for a page of traces and the organization's members.

Simple SQL over the same tables the services read; everything else (the dashboard included)
comes from the services.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import memberships, scores, users


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
    for row in bridge.read(conn, query, project_rowid):
        out.setdefault(row.trace_id, []).append((row.name, float(row.value), int(row.n)))
    return out


def members(conn: Connection, org_rowid: int) -> list[Any]:
    m, u = memberships.c, users.c
    query = (
        select(u.email, u.name, u.is_admin, m.role)
        .join_from(memberships, users, m.user_rowid == u.user_rowid)
        .where(m.org_rowid == org_rowid)
        .order_by(u.email)
    )
    return list(conn.execute(query).mappings())
