"""Langfuse's trace reads (`GET /traces`, `GET /traces/{id}`) and trace deletes, over the
same tables and trace filter as the native API."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse import render
from tracehouse.langfuse.params import TraceQuery
from tracehouse.langfuse.reads.observations import fill_prompt_ids
from tracehouse.langfuse.reads.pages import count, page
from tracehouse.runtime import Runtime
from tracehouse.store.tables import observations, scores, traces
from tracehouse.traces import filters as trace_filters
from tracehouse.traces import store as trace_store

_TRACE_ORDER = {
    "id": traces.c.id,
    "timestamp": traces.c.start_time,
    "name": traces.c.name,
    "userId": traces.c.user_id,
    "release": traces.c.release,
    "version": traces.c.version,
    "public": traces.c.public,
    "bookmarked": traces.c.bookmarked,
    "sessionId": traces.c.session_id,
}
_TRACE_FIELDS = frozenset({"core", "io", "scores", "observations", "metrics"})


def _trace_conditions(scope: ProjectScope, query: TraceQuery) -> list[ColumnElement[bool]]:
    filters = trace_filters.TraceFilters(
        from_time=query.from_timestamp,
        to_time=query.to_timestamp,
        name=query.name,
        user_id=query.user_id,
        session_id=query.session_id,
        version=query.version,
        release=query.release,
        tags=query.tags,
    )
    out = [traces.c.project_rowid == scope.project_rowid, *trace_filters.conditions(filters)]
    if query.environment:
        out.append(traces.c.environment.in_(query.environment))
    return [*out, *json_filter.parse(query.filter, json_filter.TRACE_COLUMNS)]


def _trace_order(order_by: str | None) -> Any:
    if not order_by:
        return traces.c.start_time.desc()
    field, _, direction = order_by.partition(".")
    column = _TRACE_ORDER.get(field)
    if column is None or direction not in {"asc", "desc"}:
        raise InvalidRequest(
            f"orderBy must be <field>.asc or <field>.desc with field one of: "
            f"{', '.join(_TRACE_ORDER)}.",
            {"field": "orderBy"},
        )
    return column.asc() if direction == "asc" else column.desc()


def _field_set(fields: str | None) -> set[str]:
    if not fields:
        return set(_TRACE_FIELDS)
    chosen = {f.strip() for f in fields.split(",") if f.strip()}
    unknown = chosen - _TRACE_FIELDS
    if unknown:
        raise InvalidRequest(
            f"Unknown fields {sorted(unknown)}; use {sorted(_TRACE_FIELDS)}.", {"field": "fields"}
        )
    return chosen | {"core"}


def list_traces(rt: Runtime, scope: ProjectScope, query: TraceQuery) -> dict[str, Any]:
    """`GET /traces`: TraceWithDetails items with their observation and score ids."""
    conditions = _trace_conditions(scope, query)
    order = _trace_order(query.order_by)
    fields = _field_set(query.fields)
    with rt.db.reader.connect() as conn:
        rows = list(
            conn.execute(
                select(traces)
                .where(*conditions)
                .order_by(order, traces.c.trace_rowid.desc())
                .offset(query.offset)
                .limit(query.limit)
            ).mappings()
        )
        total = count(conn, traces, conditions)
        ids = [r["id"] for r in rows]
        obs_ids = _ids_by_trace(conn, observations, scope, ids) if "observations" in fields else {}
        score_ids = _ids_by_trace(conn, scores, scope, ids) if "scores" in fields else {}
    data = []
    for row in rows:
        item = render.trace(row, scope.project_id, obs_ids.get(row["id"]), score_ids.get(row["id"]))
        _drop_unrequested(item, fields)
        data.append(item)
    return page(data, query, total)


def _drop_unrequested(item: dict[str, Any], fields: set[str]) -> None:
    """Langfuse's `fields`: excluded I/O is null, excluded metrics are -1."""
    if "io" not in fields:
        item.update(input=None, output=None, metadata=None)
    if "metrics" not in fields:
        item.update(latency=-1, totalCost=-1)


def _ids_by_trace(
    conn: Connection, table: Any, scope: ProjectScope, trace_ids: list[str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if not trace_ids:
        return out
    query = select(table.c.trace_id, table.c.id).where(
        table.c.project_rowid == scope.project_rowid, table.c.trace_id.in_(trace_ids)
    )
    for trace_id, item_id in conn.execute(query):
        out[trace_id].append(item_id)
    return out


def get_trace(rt: Runtime, scope: ProjectScope, trace_id: str) -> dict[str, Any]:
    """`GET /traces/{id}`: TraceWithFullDetails, observations and scores as objects."""
    with rt.db.reader.connect() as conn:
        row = trace_store.get_trace(conn, scope.project_rowid, trace_id)
        if row is None:
            raise NotFound(f"Trace {trace_id} not found within authorized project")
        obs = [
            render.observation(o)
            for o in trace_store.trace_observations(conn, scope.project_rowid, trace_id)
        ]
        fill_prompt_ids(conn, scope, obs)
        score_rows = trace_store.trace_scores(conn, scope.project_rowid, trace_id)
        trace_scores = [render.score(s, scope.project_id) for s in score_rows]
    return render.trace(row, scope.project_id, obs, trace_scores)


def delete_traces(rt: Runtime, scope: ProjectScope, trace_ids: list[str]) -> int:
    """Delete traces with their observations and scores; unknown ids are skipped."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        return sum(trace_store.delete_trace(conn, scope.project_rowid, t) for t in trace_ids)
