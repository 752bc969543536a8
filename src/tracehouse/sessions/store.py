"""SQL of the sessions: pages of session summaries and one session's parts, from the traces
(relational, or ClickHouse's when it holds them: `store.clickhouse.people`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, case, func, select

from tracehouse.clock import to_us
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.clickhouse import dispatch, people
from tracehouse.store.clickhouse.where import Where
from tracehouse.store.tables import scores, traces

if TYPE_CHECKING:
    from tracehouse.sessions.service import SessionFilters
    from tracehouse.store.clickhouse.client import ClickHouse

#: A session's summary (`summary_columns`), its traces in order, the scores given to it.
Parts = tuple[Any, list[Any], list[Any]]


def summary_columns() -> list[Any]:
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


def page(
    conn: Connection, project_rowid: int, filters: SessionFilters, page: PageParams
) -> tuple[list[Any], int]:
    """A page (plus one row) of session summaries, most recently active first, and how many
    sessions match."""
    if (ch := dispatch.of(conn)) is not None:
        return _clickhouse_page(ch, project_rowid, filters, page)
    t = traces.c
    conditions = [t.project_rowid == project_rowid, t.session_id.is_not(None)]
    if filters.user_id:
        conditions.append(t.user_id == filters.user_id)
    if filters.from_time:
        conditions.append(t.start_time >= to_us(filters.from_time))
    if filters.to_time:
        conditions.append(t.start_time < to_us(filters.to_time))
    grouped = select(*summary_columns()).where(*conditions).group_by(t.session_id)
    last = func.max(func.coalesce(t.end_time, t.start_time))
    query = paginate(grouped, [last, t.session_id], page, grouped=True)
    count = select(func.count(func.distinct(t.session_id))).where(*conditions)
    rows = list(conn.execute(query).mappings())
    return rows, int(conn.execute(count).scalar_one())


def _clickhouse_page(
    ch: ClickHouse, project_rowid: int, filters: SessionFilters, page: PageParams
) -> tuple[list[Any], int]:
    w = Where(ch.layout, project_rowid)
    if filters.user_id:
        people.equal(w, "user_id", filters.user_id)
    if filters.from_time:
        w.add(f"start_time >= {w.bind(to_us(filters.from_time), 'Int64')}")
    if filters.to_time:
        w.add(f"start_time < {w.bind(to_us(filters.to_time), 'Int64')}")
    found = people.page(ch, w, "session_id", people.SESSION_COLUMNS, page)
    return found, people.count(ch, w, "session_id")


def parts(conn: Connection, project_rowid: int, session_id: str) -> Parts | None:
    """The session's summary, traces and scores; None: no trace names the session."""
    if (ch := dispatch.of(conn)) is not None:
        return _clickhouse_parts(ch, project_rowid, session_id)
    t = traces.c
    where = [t.project_rowid == project_rowid, t.session_id == session_id]
    summary = (
        conn.execute(select(*summary_columns()).where(*where).group_by(t.session_id))
        .mappings()
        .first()
    )
    if summary is None:
        return None
    rows = conn.execute(select(traces).where(*where).order_by(t.start_time, t.trace_rowid))
    s = scores.c
    given = select(scores).where(s.project_rowid == project_rowid, s.session_id == session_id)
    return summary, list(rows.mappings()), list(conn.execute(given).mappings())


def _clickhouse_parts(ch: ClickHouse, project_rowid: int, session_id: str) -> Parts | None:
    w = people.equal(Where(ch.layout, project_rowid), "session_id", session_id)
    summary = people.one(ch, w, "session_id", people.SESSION_COLUMNS)
    if summary is None:
        return None
    found = people.session_scores(ch, project_rowid, session_id)
    return summary, list(people.session_traces(ch, w)), list(found)
