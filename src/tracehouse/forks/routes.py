"""`/api/v1/forks`: fork a trace at a span (or fork a fork), list, get, delete, and the diff of
the fork's latest replay against its source trace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.forks import service
from tracehouse.forks.schemas import ForkIn, ForkListParams
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/forks", tags=["forks"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited
)


@router.post("", status_code=201, responses=_WRITE, summary="Fork a trace at a span")
def create_fork(body: ForkIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Records the source trace, the span, the modifications (model, provider, messages,
    parameters, tool result overrides) and the prefix: the steps completed before the span,
    with their recorded inputs and outputs. An unknown trace or span answers 404, an override
    of a step the trace does not have 400; nothing is written then."""
    return service.create(rt, scope, body)


@router.get("", responses=_READ, summary="List forks")
def list_forks(
    params: Annotated[ForkListParams, Query()], page: PageQuery, scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:  # fmt: skip
    """The project's forks (of one trace with `trace_id`), newest first, without prefixes."""
    return service.list_forks(rt, scope, params, page)


@router.get("/{fork_id}", responses=_READ, summary="Get a fork")
def get_fork(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The fork with its prefix and its latest replay (or null)."""
    return service.get(rt, scope, fork_id)


@router.delete("/{fork_id}", status_code=204, responses=_WRITE, summary="Delete a fork")
def delete_fork(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Its replay records go with it; replay traces stay. Forks of it keep their own data."""
    service.delete(rt, scope, fork_id)
    return Response(status_code=204)


@router.get(
    "/{fork_id}/diff", responses={**_READ, **error_responses(Conflict)}, summary="Diff a fork"
)
def fork_diff(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The source trace (a) against the fork's latest replay trace (b), as
    `GET /api/v1/traces/{a}/diff/{b}` answers; 409 `conflict` while the fork has no replay."""
    return service.fork_diff(rt, scope, fork_id)
