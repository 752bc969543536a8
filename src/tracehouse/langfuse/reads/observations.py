"""Langfuse's observation reads (`GET /observations`, `GET /v2/observations`, one
observation), with the trace fields Langfuse shows on each and the prompt version's id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from tracehouse.clock import to_us
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse import render
from tracehouse.langfuse.params import ObservationQuery, ObservationV2Query
from tracehouse.langfuse.reads.pages import cursor_page, page
from tracehouse.prompts import store as prompt_store
from tracehouse.runtime import Runtime
from tracehouse.store.tables import observations, traces


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
        rows = conn.execute(
            _observation_select()
            .where(*conditions)
            .order_by(o.start_time.desc(), o.observation_rowid.desc())
            .offset(query.offset)
            .limit(query.limit)
        ).mappings()
        data = [render.observation(r) for r in rows]
        fill_prompt_ids(conn, scope, data)
        total = int(
            conn.execute(
                _observation_select().with_only_columns(func.count()).where(*conditions)
            ).scalar_one()
        )
    return page(data, query, total)


def get_observation(rt: Runtime, scope: ProjectScope, observation_id: str) -> dict[str, Any]:
    o = observations.c
    query = _observation_select().where(
        o.project_rowid == scope.project_rowid, o.id == observation_id
    )
    with rt.db.reader.connect() as conn:
        row = conn.execute(query).mappings().first()
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
    data, cursor = cursor_page(
        rt,
        _observation_select().where(*_observation_conditions(scope, query)),
        (o.start_time, o.observation_rowid),
        query.limit,
        query.cursor,
        lambda r: render.observation_v2(r, scope.project_id, groups, query.expand_metadata),
    )
    if "prompt" in groups:
        with rt.db.reader.connect() as conn:
            fill_prompt_ids(conn, scope, data)
    return {"data": data, "meta": {"cursor": cursor} if cursor else {}}
