"""SQL for end users: traces grouped by `user_id`, most recently seen first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select, tuple_

from tracehouse.http.pagination import PageParams, decode_cursor
from tracehouse.store.clickhouse import dispatch, people
from tracehouse.store.clickhouse.where import Where
from tracehouse.store.tables import traces

_T = traces.c
LAST_SEEN = func.max(func.coalesce(_T.end_time, _T.start_time))


def _summary_columns() -> list[Any]:
    return [
        _T.user_id,
        func.count().label("trace_count"),
        func.count(func.distinct(_T.session_id)).label("session_count"),
        func.min(_T.start_time).label("first_seen"),
        LAST_SEEN.label("last_seen"),
        func.sum(_T.total_tokens).label("total_tokens"),
        func.sum(_T.cost).label("cost"),
        func.sum(case((_T.status == "error", 1), else_=0)).label("error_count"),
    ]


def page_of_users(conn: Connection, project_rowid: int, page: PageParams) -> list[Any]:
    """One page (plus one row, to know if there is more) of users with their totals."""
    if (ch := dispatch.of(conn)) is not None:
        return people.page(
            ch, Where(ch.layout, project_rowid), "user_id", people.USER_COLUMNS, page
        )
    where = [_T.project_rowid == project_rowid, _T.user_id.is_not(None)]
    query = select(*_summary_columns()).where(*where).group_by(_T.user_id)
    query = query.order_by(LAST_SEEN.desc(), _T.user_id.desc()).limit(page.limit + 1)
    if page.cursor:
        query = query.having(tuple_(LAST_SEEN, _T.user_id) < tuple_(*decode_cursor(page.cursor, 2)))
    elif page.offset:
        query = query.offset(page.offset)
    return list(conn.execute(query).mappings())


def count_users(conn: Connection, project_rowid: int) -> int:
    if (ch := dispatch.of(conn)) is not None:
        return people.count(ch, Where(ch.layout, project_rowid), "user_id")
    query = select(func.count(func.distinct(_T.user_id))).where(_T.project_rowid == project_rowid)
    return int(conn.execute(query).scalar_one())


def one_user(conn: Connection, project_rowid: int, user_id: str) -> Any:
    if (ch := dispatch.of(conn)) is not None:
        w = people.equal(Where(ch.layout, project_rowid), "user_id", user_id)
        return people.one(ch, w, "user_id", people.USER_COLUMNS)
    where = [_T.project_rowid == project_rowid, _T.user_id == user_id]
    query = select(*_summary_columns()).where(*where).group_by(_T.user_id)
    return conn.execute(query).mappings().first()
