"""`/api/v1/observations`: create, partially update, list and get observations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.ingest.decoders.native import ObservationCreate, ObservationPatch
from tracehouse.observations import service
from tracehouse.observations.service import ObservationFilters

router = APIRouter(prefix="/api/v1/observations", tags=["observations"])
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited, Unavailable
)
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)


@router.post("", status_code=201, responses=_WRITE, summary="Create or update an observation")
async def create_observation(
    body: ObservationCreate, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """It may arrive before its trace or its parent; they link up when they come."""
    observation_id = await service.create(rt, scope, body)
    return {"id": observation_id, "trace_id": body.trace_id}


@router.patch("/{observation_id:path}", responses=_WRITE, summary="Update or end an observation")
async def patch_observation(
    observation_id: str, body: ObservationPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Only the given fields change; metadata merges. Send `end_time` to end it."""
    trace_id = await service.patch(rt, scope, observation_id, body)
    return {"id": observation_id, "trace_id": trace_id}


@router.get("", responses=_READ, summary="List observations")
def list_observations(
    filters: Annotated[ObservationFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Newest first; filter by trace, parent, type, name, model, level, time and text (`q`)."""
    return service.list_observations(rt, scope, filters, page)


@router.get("/{observation_id:path}", responses=_READ, summary="Get an observation")
def get_observation(observation_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get_observation(rt, scope, observation_id)
