"""Sessions are derived from traces: no table of their own, always consistent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import case, func, select, tuple_

from tracehouse.clock import iso, to_us
from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, decode_cursor, page_body
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.store.clickhouse import dispatch, people
from tracehouse.store.clickhouse.where import Where
from tracehouse.store.tables import scores, traces
from tracehouse.traces import render

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse


class SessionFilters(BaseModel):
    user_id: str | None = None
    from_time: datetime | None = Field(None, alias="from")
    to_time: datetime | None = Field(None, alias="to")

    model_config = {"populate_by_name": True}


def _summary_columns() -> list[Any]:
    t = traces.c
    return [
        t.session_id,
        func.count().label("trace_count"),
        func.min(t.start_time).label("first_time"),
        func.max(func.coalesce(t.end_time, t.start_time)).label("last_time"),
        func.sum(t.total_tokens).label("total_tokens"),
        func.sum(t.cost).label("cost"),
        func.sum(case((t.status == "error", 1), else_=0)).label("error_count"),
        func.min(t.user_id).label("user_id"),
    ]


def _render(row: Any) -> dict[str, Any]:
    first, last = row["first_time"], row["last_time"]
    return {
        "id": row["session_id"],
        "trace_count": row["trace_count"],
        "start_time": iso(first),
        "end_time": iso(last),
        "duration_ms": (last - first) / 1000.0,
        "total_tokens": int(row["total_tokens"] or 0),
        "cost": float(row["cost"] or 0.0),
        "error_count": int(row["error_count"] or 0),
        "user_id": row["user_id"],
    }


@deadline.limited
def list_sessions(
    rt: Runtime, scope: ProjectScope, filters: SessionFilters, page: PageParams
) -> dict[str, Any]:
    """Sessions, most recently active first."""
    if (ch := dispatch.of(rt.db.reader)) is not None:
        return _clickhouse_sessions(ch, scope.project_rowid, filters, page)
    t = traces.c
    conditions = [t.project_rowid == scope.project_rowid, t.session_id.is_not(None)]
    if filters.user_id:
        conditions.append(t.user_id == filters.user_id)
    if filters.from_time:
        conditions.append(t.start_time >= to_us(filters.from_time))
    if filters.to_time:
        conditions.append(t.start_time < to_us(filters.to_time))
    grouped = select(*_summary_columns()).where(*conditions).group_by(t.session_id)
    last = func.max(func.coalesce(t.end_time, t.start_time))
    query = grouped.order_by(last.desc(), t.session_id.desc()).limit(page.limit + 1)
    if page.cursor:
        after = decode_cursor(page.cursor, 2)
        query = query.having(tuple_(last, t.session_id) < tuple_(*after))
    elif page.offset:
        query = query.offset(page.offset)
    count = select(func.count(func.distinct(t.session_id))).where(*conditions)
    with rt.db.reader.connect() as conn:
        rows = list(conn.execute(query).mappings())
        total = int(conn.execute(count).scalar_one())
    return page_body(rows, page, total, _render, _cursor)


def _clickhouse_sessions(
    ch: ClickHouse, project_rowid: int, filters: SessionFilters, page: PageParams
) -> dict[str, Any]:
    w = Where(ch.layout, project_rowid)
    if filters.user_id:
        people.equal(w, "user_id", filters.user_id)
    if filters.from_time:
        w.add(f"start_time >= {w.bind(to_us(filters.from_time), 'Int64')}")
    if filters.to_time:
        w.add(f"start_time < {w.bind(to_us(filters.to_time), 'Int64')}")
    found = people.page(ch, w, "session_id", people.SESSION_COLUMNS, page)
    return page_body(found, page, people.count(ch, w, "session_id"), _render, _cursor)


def _cursor(row: Any) -> tuple[Any, Any]:
    return row["last_time"], row["session_id"]


def get_session(rt: Runtime, scope: ProjectScope, session_id: str) -> dict[str, Any]:
    """The session's totals, its traces in order, and scores given to the session."""
    if (ch := dispatch.of(rt.db.reader)) is not None:
        return _clickhouse_session(ch, scope.project_rowid, session_id)
    t = traces.c
    where = [t.project_rowid == scope.project_rowid, t.session_id == session_id]
    with rt.db.reader.connect() as conn:
        summary = (
            conn.execute(select(*_summary_columns()).where(*where).group_by(t.session_id))
            .mappings()
            .first()
        )
        if summary is None:
            raise NotFound(f"No session {session_id!r}.")
        rows = conn.execute(
            select(traces).where(*where).order_by(t.start_time, t.trace_rowid)
        ).mappings()
        trace_list = [render.trace(r) for r in rows]
        score_rows = conn.execute(
            select(scores).where(
                scores.c.project_rowid == scope.project_rowid, scores.c.session_id == session_id
            )
        ).mappings()
        session_scores = [render.score(s) for s in score_rows]
    return _session(summary, trace_list, session_scores)


def _clickhouse_session(ch: ClickHouse, project_rowid: int, session_id: str) -> dict[str, Any]:
    w = people.equal(Where(ch.layout, project_rowid), "session_id", session_id)
    summary = people.one(ch, w, "session_id", people.SESSION_COLUMNS)
    if summary is None:
        raise NotFound(f"No session {session_id!r}.")
    trace_list = [render.trace(r) for r in people.session_traces(ch, w)]
    found = people.session_scores(ch, project_rowid, session_id)
    return _session(summary, trace_list, [render.score(s) for s in found])


def _session(
    summary: Any, trace_list: list[dict[str, Any]], session_scores: list[dict[str, Any]]
) -> dict[str, Any]:
    body = _render(summary)
    body["user_ids"] = sorted({tr["user_id"] for tr in trace_list if tr["user_id"]})
    body["traces"] = trace_list
    body["scores"] = session_scores
    return body
