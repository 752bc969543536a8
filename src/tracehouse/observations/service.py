"""Observations: create or update (partial, merged), list with filters, get one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.ingest.decoders.native import ObservationCreate, ObservationPatch
from tracehouse.ingest.service import ingest
from tracehouse.observations import store
from tracehouse.records import Batch
from tracehouse.runtime import Runtime
from tracehouse.traces import render
from tracehouse.traces import store as trace_store


class ObservationFilters(BaseModel):
    trace_id: str | None = None
    parent_id: str | None = None
    type: str | None = None
    name: str | None = None
    model: str | None = None
    level: str | None = None
    from_time: datetime | None = Field(None, alias="from")
    to_time: datetime | None = Field(None, alias="to")
    q: str | None = Field(
        None,
        max_length=200,
        description="Words found by the search index in the observation (name, chat turns, "
        "tool arguments, error message; see docs/search.md), or this text within its name, "
        "input, output or status message (which also finds observations not indexed yet).",
    )

    model_config = {"populate_by_name": True}


async def create(rt: Runtime, scope: ProjectScope, body: ObservationCreate) -> str:
    record = body.record(body.id or new_id(), body.trace_id)
    await ingest(rt, scope, Batch(observations=[record]))
    return record.id


async def patch(
    rt: Runtime, scope: ProjectScope, observation_id: str, body: ObservationPatch
) -> str:
    trace_id = body.trace_id
    if trace_id is None:
        with rt.db.reader.connect() as conn:
            trace_id = _trace_of(conn, scope.project_rowid, observation_id)
    await ingest(rt, scope, Batch(observations=[body.record(observation_id, trace_id)]))
    return trace_id


def _trace_of(conn: Any, project_rowid: int, observation_id: str) -> str:
    trace_id = trace_store.traces_of_observations(conn, project_rowid, [observation_id]).get(
        observation_id
    )
    if trace_id is None:
        raise NotFound(f"No observation {observation_id!r}; send trace_id to create it.")
    return str(trace_id)


def list_observations(
    rt: Runtime, scope: ProjectScope, filters: ObservationFilters, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_observations(conn, scope.project_rowid, filters, page)
    return page_body(
        rows, page, total, render.observation, lambda r: (r["start_time"], r["observation_rowid"])
    )


def get_observation(rt: Runtime, scope: ProjectScope, observation_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.get_observation(conn, scope.project_rowid, observation_id)
    if row is None:
        raise NotFound(f"No observation {observation_id!r}.")
    return render.observation(row)
