"""Langfuse's score reads (`GET /v2/scores`, `GET /v3/scores`, one score) and score deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from tracehouse.analytics import rollup_store
from tracehouse.clock import to_us
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.ingest.version_scores import score_rollups
from tracehouse.langfuse import filters as json_filter
from tracehouse.langfuse import render
from tracehouse.langfuse.params import ScoreFilterQuery, ScoreV2Query, ScoreV3Query
from tracehouse.langfuse.reads.pages import count, cursor_page, page
from tracehouse.runtime import Runtime
from tracehouse.store.tables import scores, traces

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
        rows = conn.execute(
            select(scores)
            .where(*conditions)
            .order_by(s.timestamp.desc(), s.score_rowid.desc())
            .offset(query.offset)
            .limit(query.limit)
        ).mappings()
        data = [render.score(r, scope.project_id) for r in rows]
        total = count(conn, scores, conditions)
    return page(data, query, total)


def get_score(rt: Runtime, scope: ProjectScope, score_id: str) -> dict[str, Any]:
    """`GET /v2/scores/{id}`: one score as `/v2/scores` lists it."""
    s = scores.c
    query = select(scores).where(s.project_rowid == scope.project_rowid, s.id == score_id)
    with rt.db.reader.connect() as conn:
        row = conn.execute(query).mappings().first()
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
    data, cursor = cursor_page(
        rt,
        select(scores).where(*conditions),
        (s.timestamp, s.score_rowid),
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
        # The stored value counted out of its versions' roll-ups, nothing counted in.
        none = {"id": score_id, "trace_id": None, "name": "", "data_type": "", "value": None}
        gone = score_rollups(conn, scope.project_rowid, [none])
        deleted = conn.execute(
            scores.delete().where(s.project_rowid == scope.project_rowid, s.id == score_id)
        ).rowcount
        rollup_store.append(conn, scope.project_rowid, gone.rows(scope.project_rowid))
    if not deleted:
        raise NotFound(f"Score {score_id} not found within authorized project")
