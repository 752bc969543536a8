"""The trace list on ClickHouse: `GET /api/v1/traces` with every filter of `traces.filters`.

Filters apply to the latest version of each trace (outside the dedupe subquery). What lives
in the relational database (git links, CI runs) is looked up there first and becomes a list of
ids. `q` matches the text of the trace's name, input or output (the search index, relational,
does not index ClickHouse traces).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection

from tracehouse.clock import to_us
from tracehouse.http.pagination import PageParams
from tracehouse.store.clickhouse import linked
from tracehouse.store.clickhouse.schema import latest
from tracehouse.store.clickhouse.sql import Where, page_clause
from tracehouse.traces import filters as trace_filters

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_SORTS = {
    "time": "start_time",
    "latency": "coalesce(latency_ms, -1)",
    "cost": "coalesce(cost, -1)",
    "tokens": "coalesce(total_tokens, -1)",
}
_EQUAL = ("name", "user_id", "session_id", "status", "environment", "release", "version")
_BOUNDS = (
    ("min_latency", "latency_ms", ">="),
    ("max_latency", "latency_ms", "<="),
    ("min_tokens", "total_tokens", ">="),
    ("max_tokens", "total_tokens", "<="),
    ("min_cost", "cost", ">="),
    ("max_cost", "cost", "<="),
)


def list_traces(
    ch: ClickHouse,
    conn: Connection,
    project_rowid: int,
    params: trace_filters.TraceListParams,
    page: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the project's traces (each with `sort_value`) and how many match."""
    where = filtered(ch, conn, project_rowid, params)
    source = latest(ch.layout, "traces", "project_rowid = {project:Int64}")
    total = ch.value(f"SELECT count() FROM ({source}) WHERE {where.sql}", where.params)
    keys = ["sort_value", "trace_rowid"]
    order = page_clause(where, keys, page, descending=params.order == "desc")
    sql = f"SELECT *, {_SORTS[params.sort]} AS sort_value FROM ({source}) WHERE {where.sql} {order}"
    return ch.rows(sql, where.params), int(total)


def filtered(
    ch: ClickHouse, conn: Connection, project_rowid: int, filters: trace_filters.TraceFilters
) -> Where:
    """The conditions of `filters` on the latest trace rows (parameter `project` bound)."""
    where = Where(params={"project": project_rowid})
    for name in _EQUAL:
        where.equal(name, getattr(filters, name))
    _bounds(where, filters)
    _tags(where, filters)
    if filters.has_error is not None:
        where.add("status = 'error'" if filters.has_error else "status != 'error'")
    if filters.model:
        bound = where.bind(filters.model)
        where.add(f"has(JSONExtract(coalesce(models, '[]'), 'Array(String)'), {bound})")
    if filters.q:
        bound = where.bind(filters.q)
        where.add(
            " OR ".join(f"positionCaseInsensitiveUTF8(coalesce({c}, ''), {bound}) > 0"
                        for c in ("name", "input", "output"))
        )  # fmt: skip
    _details(ch, where, filters)
    linked.restrict(conn, where, project_rowid, filters)
    return where


def _bounds(where: Where, filters: trace_filters.TraceFilters) -> None:
    from_time, to_time = filters.from_time, filters.to_time
    if from_time is not None:
        where.add(f"start_time >= {where.bind(to_us(from_time))}")
    if to_time is not None:
        where.add(f"start_time < {where.bind(to_us(to_time))}")
    for field, column, op in _BOUNDS:
        value = getattr(filters, field)
        if value is not None:
            where.add(f"{column} {op} {where.bind(float(value))}")


def _tags(where: Where, filters: trace_filters.TraceFilters) -> None:
    # a tag is in the JSON text quoted, as `traces.filters.tag_condition` looks for it
    for tag in filters.tags:
        quoted = where.bind('"' + tag + '"')
        where.add(f"position(coalesce(tags, ''), {quoted}) > 0")
    for tag in filters.exclude_tags:
        quoted = where.bind('"' + tag + '"')
        where.add(f"tags IS NULL OR position(tags, {quoted}) = 0")


def _details(ch: ClickHouse, where: Where, filters: trace_filters.TraceFilters) -> None:
    """A step's level, scores, metadata (`traces.filters.detail_conditions`)."""
    project = "project_rowid = {project:Int64}"
    if filters.level:
        steps = latest(ch.layout, "observations", project, "trace_id, id, level")
        level = where.bind(filters.level)
        where.add(f"id IN (SELECT trace_id FROM ({steps}) WHERE level = {level})")
    for text in filters.score:
        name, op, value = trace_filters.parse_score(text)
        column = "value" if isinstance(value, float) else "string_value"
        scored = latest(ch.layout, "scores", project, "id, trace_id, name, value, string_value")
        test = f"name = {where.bind(name)} AND {column} {op} {where.bind(value)}"
        where.add(f"id IN (SELECT trace_id FROM ({scored}) WHERE {test})")
    for text in filters.metadata:
        where.add(_metadata(where, text))


def _metadata(where: Where, text: str) -> str:
    """`traces.filters._metadata_condition` as LIKE patterns (ClickHouse's LIKE escapes with
    a backslash, as `like_escape` does)."""
    key, colon, value = (part.strip() for part in text.partition(":"))
    escape = trace_filters.like_escape
    if not colon:
        name = orjson.dumps(key).decode()
        return f"metadata LIKE {where.bind('%' + escape(name) + ':%')}"
    exact = orjson.dumps({key: value}).decode()[1:-1]
    bare = orjson.dumps({key: None}).decode()[1:-5] + value
    patterns = [f"%{escape(exact)}%", *(f"%{escape(bare)}{end}" for end in (",%", "}%"))]
    return " OR ".join(f"metadata LIKE {where.bind(p)}" for p in patterns)
