"""Langfuse's read endpoints over the same tables and trace filter as the native API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select

from tracehouse.clock import to_us
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body, paginate
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse import render
from tracehouse.langfuse.params import (
    ObservationQuery,
    ObservationV2Query,
    PageQuery,
    ScoreFilterQuery,
    ScoreV2Query,
    ScoreV3Query,
    SessionQuery,
    TraceQuery,
)
from tracehouse.prompts import store as prompt_store
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.store.clickhouse import bridge, dispatch
from tracehouse.store.clickhouse import scores as ch_scores
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


def _page(rows: list[dict[str, Any]], query: PageQuery, total: int) -> dict[str, Any]:
    return {"data": rows, "meta": render.page_meta(query.page, query.limit, total)}


def _count(
    conn: Connection, scope: ProjectScope, table: Any, conditions: list[ColumnElement[bool]]
) -> int:
    query = select(func.count()).select_from(table).where(*conditions)
    return int(bridge.read_scalar(conn, query, scope.project_rowid))


# --- traces -------------------------------------------------------------------------------------


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
        statement = (
            select(traces)
            .where(*conditions)
            .order_by(order, traces.c.trace_rowid.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = bridge.read_mappings(conn, statement, scope.project_rowid)
        total = _count(conn, scope, traces, conditions)
        ids = [r["id"] for r in rows]
        obs_ids = _ids_by_trace(conn, observations, scope, ids) if "observations" in fields else {}
        score_ids = _ids_by_trace(conn, scores, scope, ids) if "scores" in fields else {}
    data = []
    for row in rows:
        item = render.trace(row, scope.project_id, obs_ids.get(row["id"]), score_ids.get(row["id"]))
        _drop_unrequested(item, fields)
        data.append(item)
    return _page(data, query, total)


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
    for trace_id, item_id in bridge.read(conn, query, scope.project_rowid):
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


# --- observations -------------------------------------------------------------------------------


def _observation_select() -> Select[Any]:
    """Observations with the trace fields Langfuse shows on them (user, session, tags, …)."""
    t = traces.c
    return select(
        observations,
        t.name.label("trace_name"),
        t.user_id.label("trace_user_id"),
        t.session_id.label("trace_session_id"),
        t.tags.label("trace_tags"),
        t.release.label("trace_release"),
        t.public.label("trace_public"),
        t.bookmarked.label("trace_bookmarked"),
    ).select_from(
        observations.outerjoin(
            traces,
            (t.project_rowid == observations.c.project_rowid) & (t.id == observations.c.trace_id),
        )
    )


def _observation_conditions(
    scope: ProjectScope, query: ObservationQuery | ObservationV2Query
) -> list[ColumnElement[bool]]:
    o, t = observations.c, traces.c
    out = [o.project_rowid == scope.project_rowid]
    equal = {
        o.name: query.name,
        o.type: query.type.lower() if query.type else None,
        o.trace_id: query.trace_id,
        o.level: query.level.upper() if query.level else None,
        o.parent_id: query.parent_observation_id,
        o.version: query.version,
        t.user_id: query.user_id,
    }
    out += [column == value for column, value in equal.items() if value is not None]
    if isinstance(query, ObservationV2Query):
        if query.session_id is not None:
            out.append(t.session_id == query.session_id)
        if query.is_root_observation is not None:
            out.append(
                o.parent_id.is_(None) if query.is_root_observation else o.parent_id.is_not(None)
            )
    if query.environment:
        out.append(func.coalesce(o.environment, t.environment, "default").in_(query.environment))
    if query.from_start_time:
        out.append(o.start_time >= to_us(query.from_start_time))
    if query.to_start_time:
        out.append(o.start_time < to_us(query.to_start_time))
    return [*out, *json_filter.parse(query.filter, json_filter.OBSERVATION_COLUMNS)]


def list_observations(rt: Runtime, scope: ProjectScope, query: ObservationQuery) -> dict[str, Any]:
    """`GET /observations` (v1): page-based ObservationsView items, newest first."""
    conditions = _observation_conditions(scope, query)
    o = observations.c
    with rt.db.reader.connect() as conn:
        statement = (
            _observation_select()
            .where(*conditions)
            .order_by(o.start_time.desc(), o.observation_rowid.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = bridge.read_mappings(conn, statement, scope.project_rowid)
        data = [render.observation(r) for r in rows]
        fill_prompt_ids(conn, scope, data)
        count = _observation_select().with_only_columns(func.count()).where(*conditions)
        total = int(bridge.read_scalar(conn, count, scope.project_rowid))
    return _page(data, query, total)


def get_observation(rt: Runtime, scope: ProjectScope, observation_id: str) -> dict[str, Any]:
    o = observations.c
    query = _observation_select().where(
        o.project_rowid == scope.project_rowid, o.id == observation_id
    )
    with rt.db.reader.connect() as conn:
        row = next(iter(bridge.read_mappings(conn, query, scope.project_rowid)), None)
        if row is None:
            raise NotFound(f"Observation {observation_id} not found within authorized project")
        found = render.observation(row)
        fill_prompt_ids(conn, scope, [found])
    return found


def fill_prompt_ids(conn: Connection, scope: ProjectScope, items: list[dict[str, Any]]) -> None:
    """Rendered observations get `promptId`: the id of the prompt version they name."""
    pairs = {
        (item["promptName"], item["promptVersion"])
        for item in items
        if item.get("promptName") and item.get("promptVersion") is not None
    }
    ids = prompt_store.version_ids(conn, scope.project_rowid, pairs)
    for item in items:
        if "promptId" in item and item.get("promptName") and item.get("promptVersion") is not None:
            item["promptId"] = ids.get((item["promptName"], item["promptVersion"]))


def list_observations_v2(
    rt: Runtime, scope: ProjectScope, query: ObservationV2Query
) -> dict[str, Any]:
    """`GET /v2/observations`: cursor pages of the requested field groups."""
    groups = {g.strip() for g in (query.fields or "core,basic").split(",") if g.strip()}
    unknown = groups - set(render.V2_FIELD_GROUPS)
    if unknown:
        raise InvalidRequest(
            f"Unknown field groups {sorted(unknown)}; use {sorted(render.V2_FIELD_GROUPS)}.",
            {"field": "fields"},
        )
    o = observations.c
    data, cursor = _cursor_page(
        rt,
        _observation_select().where(*_observation_conditions(scope, query)),
        (o.start_time, o.observation_rowid),
        scope,
        query.limit,
        query.cursor,
        lambda r: render.observation_v2(r, scope.project_id, groups, query.expand_metadata),
    )
    if "prompt" in groups:
        with rt.db.reader.connect() as conn:
            fill_prompt_ids(conn, scope, data)
    return {"data": data, "meta": {"cursor": cursor} if cursor else {}}


def _cursor_page(
    rt: Runtime,
    statement: Select[Any],
    keys: tuple[Any, Any],
    scope: ProjectScope,
    limit: int,
    cursor: str | None,
    render_row: Callable[[Any], dict[str, Any]],
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of Langfuse's cursor endpoints (newest first): items and the next cursor."""
    page = PageParams.model_construct(limit=limit, cursor=cursor, offset=0)
    with rt.db.reader.connect() as conn:
        rows = bridge.read_mappings(conn, paginate(statement, keys, page), scope.project_rowid)
    body = page_body(rows, page, 0, render_row, lambda r: [r[key.name] for key in keys])
    return body["data"], body["meta"]["next_cursor"]


# --- sessions -----------------------------------------------------------------------------------


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
        found = bridge.read_mappings(conn, statement, scope.project_rowid)
        data = [render.session(r, scope.project_id) for r in found]
        total = int(bridge.read_scalar(conn, count, scope.project_rowid))
    return _page(data, query, total)


def get_session(rt: Runtime, scope: ProjectScope, session_id: str) -> dict[str, Any]:
    """`GET /sessions/{id}`: the session with all its traces, oldest first."""
    t = traces.c
    where = [t.project_rowid == scope.project_rowid, t.session_id == session_id]
    with rt.db.reader.connect() as conn:
        one = select(*_session_columns()).where(*where).group_by(t.session_id)
        summary = next(iter(bridge.read_mappings(conn, one, scope.project_rowid)), None)
        if summary is None:
            raise NotFound(f"Session {session_id} not found within authorized project")
        listed = select(traces).where(*where).order_by(t.start_time, t.trace_rowid)
        rows = bridge.read_mappings(conn, listed, scope.project_rowid)
        trace_list = [render.trace(r, scope.project_id) for r in rows]
    for item in trace_list:
        del item["observations"], item["scores"]
    return {**render.session(summary, scope.project_id), "traces": trace_list}


# --- scores -------------------------------------------------------------------------------------

_SCORE_OPERATORS = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "=": "=", "!=": "!=", "<>": "!="}


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _score_conditions(scope: ProjectScope, query: ScoreFilterQuery) -> list[ColumnElement[bool]]:
    s = scores.c
    out = [s.project_rowid == scope.project_rowid]
    for column, value in (
        (s.trace_id, query.trace_id),
        (s.observation_id, query.observation_id),
        (s.session_id, query.session_id),
    ):
        if value is not None:
            out.append(column == value)
    for column, values in (
        (s.name, _csv(query.name)),
        (s.source, [v.lower() for v in _csv(query.source)]),
        (s.data_type, [v.upper() for v in _csv(query.data_type)]),
    ):
        if values:
            out.append(column.in_(values))
    if query.environment:
        out.append(func.coalesce(s.environment, "default").in_(query.environment))
    if query.user_id is not None:
        users = select(traces.c.id).where(
            traces.c.project_rowid == scope.project_rowid, traces.c.user_id == query.user_id
        )
        out.append(s.trace_id.in_(users))
    if query.from_timestamp:
        out.append(s.timestamp >= to_us(query.from_timestamp))
    if query.to_timestamp:
        out.append(s.timestamp < to_us(query.to_timestamp))
    if query.value_min is not None:
        out.append(s.value >= query.value_min)
    if query.value_max is not None:
        out.append(s.value <= query.value_max)
    return [*out, *json_filter.parse(query.filter, json_filter.SCORE_COLUMNS)]


def list_scores_v2(rt: Runtime, scope: ProjectScope, query: ScoreV2Query) -> dict[str, Any]:
    """`GET /v2/scores`: page-based, newest first."""
    s = scores.c
    conditions = _score_conditions(scope, query)
    if query.score_ids:
        conditions.append(s.id.in_(_csv(query.score_ids)))
    if query.value is not None:
        op = _SCORE_OPERATORS.get(query.operator or "=")
        if op is None:
            raise InvalidRequest("operator must be one of <, >, <=, >=, =, !=.")
        conditions.append(s.value.op(op)(query.value))
    with rt.db.reader.connect() as conn:
        statement = (
            select(scores)
            .where(*conditions)
            .order_by(s.timestamp.desc(), s.score_rowid.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        rows = bridge.read_mappings(conn, statement, scope.project_rowid)
        data = [render.score(r, scope.project_id) for r in rows]
        total = _count(conn, scope, scores, conditions)
    return _page(data, query, total)


def get_score(rt: Runtime, scope: ProjectScope, score_id: str) -> dict[str, Any]:
    """`GET /v2/scores/{id}`: one score as `/v2/scores` lists it."""
    s = scores.c
    query = select(scores).where(s.project_rowid == scope.project_rowid, s.id == score_id)
    with rt.db.reader.connect() as conn:
        row = next(iter(bridge.read_mappings(conn, query, scope.project_rowid)), None)
    if row is None:
        raise NotFound(f"Score {score_id} not found within authorized project")
    return render.score(row, scope.project_id)


def list_scores_v3(rt: Runtime, scope: ProjectScope, query: ScoreV3Query) -> dict[str, Any]:
    """`GET /v3/scores`: cursor pages, values typed by data type."""
    s = scores.c
    conditions = _score_conditions(scope, query)
    if query.id:
        conditions.append(s.id.in_(_csv(query.id)))
    if query.value is not None:
        number = _number(query.value)
        match = s.string_value == query.value
        conditions.append(match if number is None else or_(match, s.value == number))
    data, cursor = _cursor_page(
        rt,
        select(scores).where(*conditions),
        (s.timestamp, s.score_rowid),
        scope,
        query.limit,
        query.cursor,
        lambda r: render.score_v3(r, scope.project_id),
    )
    meta: dict[str, Any] = {"limit": query.limit}
    if cursor:
        meta["cursor"] = cursor
    return {"data": data, "meta": meta}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def delete_score(rt: Runtime, scope: ProjectScope, score_id: str) -> None:
    scope.require_write()
    s = scores.c
    with rt.db.writer.begin() as conn:
        if (ch := dispatch.of(conn)) is not None:
            deleted = ch_scores.delete_score(ch, scope.project_rowid, score_id)
        else:
            deleted = conn.execute(
                scores.delete().where(s.project_rowid == scope.project_rowid, s.id == score_id)
            ).rowcount
    if not deleted:
        raise NotFound(f"Score {score_id} not found within authorized project")
