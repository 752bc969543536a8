"""Langfuse's session reads (`GET /sessions`, `GET /sessions/{id}`): sessions derived from
traces."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tracehouse.clock import to_us
from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.langfuse import render
from tracehouse.langfuse.params import SessionQuery
from tracehouse.langfuse.reads.pages import page
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.store.tables import traces


def _session_columns() -> list[Any]:
    t = traces.c
    return [
        t.session_id,
        func.min(t.start_time).label("first_time"),
        func.max(t.environment).label("environment"),
    ]


@deadline.limited
def list_sessions(rt: Runtime, scope: ProjectScope, query: SessionQuery) -> dict[str, Any]:
    """`GET /sessions`: sessions (derived from traces), newest first."""
    t = traces.c
    conditions = [t.project_rowid == scope.project_rowid, t.session_id.is_not(None)]
    if query.from_timestamp:
        conditions.append(t.start_time >= to_us(query.from_timestamp))
    if query.to_timestamp:
        conditions.append(t.start_time < to_us(query.to_timestamp))
    if query.environment:
        conditions.append(func.coalesce(t.environment, "default").in_(query.environment))
    first = func.min(t.start_time)
    statement = (
        select(*_session_columns())
        .where(*conditions)
        .group_by(t.session_id)
        .order_by(first.desc(), t.session_id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )
    count = select(func.count(func.distinct(t.session_id))).where(*conditions)
    with rt.db.reader.connect() as conn:
        data = [render.session(r, scope.project_id) for r in conn.execute(statement).mappings()]
        total = int(conn.execute(count).scalar_one())
    return page(data, query, total)


def get_session(rt: Runtime, scope: ProjectScope, session_id: str) -> dict[str, Any]:
    """`GET /sessions/{id}`: the session with all its traces, oldest first."""
    t = traces.c
    where = [t.project_rowid == scope.project_rowid, t.session_id == session_id]
    with rt.db.reader.connect() as conn:
        summary = (
            conn.execute(select(*_session_columns()).where(*where).group_by(t.session_id))
            .mappings()
            .first()
        )
        if summary is None:
            raise NotFound(f"Session {session_id} not found within authorized project")
        rows = conn.execute(
            select(traces).where(*where).order_by(t.start_time, t.trace_rowid)
        ).mappings()
        trace_list = [render.trace(r, scope.project_id) for r in rows]
    for item in trace_list:
        del item["observations"], item["scores"]
    return {**render.session(summary, scope.project_id), "traces": trace_list}
