"""`/api/v1/scores`: create one or many scores, list them with filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.ingest.decoders.native import ScoreIn
from tracehouse.scores import service
from tracehouse.scores.schemas import ScoreFilters

router = APIRouter(prefix="/api/v1/scores", tags=["scores"])


@router.post(
    "",
    status_code=201,
    summary="Create scores",
    responses=error_responses(
        InvalidRequest, Unauthorized, Forbidden, ValidationFailed, RateLimited, Unavailable
    ),
)
async def create_scores(
    body: ScoreIn | list[ScoreIn], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """One score object or an array of them; client ids make retries safe."""
    items = body if isinstance(body, list) else [body]
    ids = await service.create_scores(rt, scope, items)
    return {"id": ids[0] if len(ids) == 1 else None, "ids": ids}


@router.get(
    "",
    summary="List scores",
    responses=error_responses(InvalidRequest, Unauthorized, ValidationFailed, RateLimited),
)
def list_scores(
    filters: Annotated[ScoreFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    return service.list_scores(rt, scope, filters, page)
