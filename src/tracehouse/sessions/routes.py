"""`/api/v1/sessions`: list sessions and read one as its traces in order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import (
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
from tracehouse.sessions import service
from tracehouse.sessions.service import SessionFilters

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)


@router.get("", responses={**_READ, **error_responses(Unavailable)}, summary="List sessions")
def list_sessions(
    filters: Annotated[SessionFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    return service.list_sessions(rt, scope, filters, page)


@router.get("/{session_id:path}", responses=_READ, summary="Get a session with its traces")
def get_session(session_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get_session(rt, scope, session_id)
