"""Sessions and end users on ClickHouse: the current traces grouped by `session_id` or by
`user_id`, most recently active first (the same rows as the relational queries in
`sessions.service` and `endusers.store`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracehouse.http.pagination import PageParams, decode_cursor
from tracehouse.store.clickhouse.analytics import Row, rows
from tracehouse.store.clickhouse.where import Where, current

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_LAST = "max(ifNull(end_time, start_time))"
_TOTALS = (
    "count() AS trace_count, sum(total_tokens) AS total_tokens, sum(cost) AS cost, "
    "countIf(status = 'error') AS error_count"
)
SESSION_COLUMNS = (
    f"session_id, {_TOTALS}, min(start_time) AS first_time, {_LAST} AS last_time, "
    "min(user_id) AS user_id"
)
USER_COLUMNS = (
    f"user_id, {_TOTALS}, uniqExact(session_id) AS session_count, "
    f"min(start_time) AS first_seen, {_LAST} AS last_seen"
)


def _grouped(w: Where, columns: str, key: str) -> str:
    return (
        f"SELECT {columns} FROM {current(w.layout, 'traces')} WHERE {w.sql} "
        f"AND {key} IS NOT NULL GROUP BY {key}"
    )


def page(ch: ClickHouse, w: Where, key: str, columns: str, p: PageParams) -> list[Row]:
    """A page (plus one row) of the groups by `key`, last active first (keyset on the last
    time and the key, as the relational `tuple_(...) <` cursor)."""
    sql = _grouped(w, columns, key)
    if p.cursor:
        last, after = decode_cursor(p.cursor, 2)
        sql += f" HAVING ({_LAST}, {key}) < ({w.bind(last, 'Int64')}, {w.bind(after, 'String')})"
    sql += f" ORDER BY {_LAST} DESC, {key} DESC LIMIT {p.limit + 1}"
    if not p.cursor and p.offset:
        sql += f" OFFSET {p.offset}"
    return rows(ch, sql, w.params)


def count(ch: ClickHouse, w: Where, key: str) -> int:
    sql = f"SELECT uniqExact({key}) AS n FROM {current(w.layout, 'traces')} WHERE {w.sql}"
    return int(rows(ch, sql, w.params)[0]["n"])


def one(ch: ClickHouse, w: Where, key: str, columns: str) -> Row | None:
    found = rows(ch, _grouped(w, columns, key), w.params)
    return found[0] if found else None


def session_traces(ch: ClickHouse, w: Where) -> list[Row]:
    """The whole rows of the session's traces, in order."""
    sql = f"SELECT * FROM {current(w.layout, 'traces')} WHERE {w.sql}"
    return rows(ch, f"{sql} ORDER BY start_time, trace_rowid", w.params)


def session_scores(ch: ClickHouse, project_rowid: int, session_id: str) -> list[Row]:
    sql = (
        f"SELECT * FROM {current(ch.layout, 'scores')} WHERE project_rowid = {{project:Int64}} "
        "AND session_id = {session:String} ORDER BY timestamp, score_rowid"
    )
    return rows(ch, sql, {"project": project_rowid, "session": session_id})


def equal(w: Where, column: str, value: Any, kind: str = "String") -> Where:
    """`w` with `column = value` added."""
    return w.add(f"{column} = {w.bind(value, kind)}")
