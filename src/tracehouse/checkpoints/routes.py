"""`/api/v1/checkpoints`: create, list (per trace, session or project), read with or without
the payload, restore, diff two, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tracehouse.checkpoints import service
from tracehouse.checkpoints.schemas import CheckpointIn, CheckpointQuery, IncludeQuery
from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/checkpoints", tags=["checkpoints"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, ValidationFailed,
    RateLimited,
)  # fmt: skip


@router.post("", status_code=201, responses=_WRITE, summary="Create checkpoint")
def create(body: CheckpointIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Save an agent's state at a point of a run of a trace of this project. Files are kept
    once per project by content hash. Limits: state 1 MiB, a file 5 MiB, 1,000 files,
    16 MiB in all; beyond them `413`."""
    return service.create(rt, scope, body)


@router.get("", responses=_READ, summary="List checkpoints")
def list_checkpoints(
    query: Annotated[CheckpointQuery, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Oldest first; filter by `trace_id`, `session_id` or `kind`, or list the whole project."""
    return service.list_checkpoints(rt, scope, query, page)


@router.get("/storage", responses=_READ, summary="Checkpoint storage of the project")
def storage(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, int]:
    """How many distinct files the project's checkpoints keep, and their bytes (each content
    counted once however many checkpoints list it)."""
    return service.usage(rt, scope)


@router.get("/{checkpoint_id}", responses=_READ, summary="Get checkpoint")
def get_checkpoint(
    checkpoint_id: str,
    include: Annotated[IncludeQuery, Query()],
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """The checkpoint and its file list; `?include=payload` adds the state and contents."""
    return service.get(rt, scope, checkpoint_id, payload=include.include == "payload")


@router.post("/{checkpoint_id}/restore", responses=_READ, summary="Restore checkpoint")
def restore(checkpoint_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The payload back as it was saved (text files as `content`, others `content_base64`)."""
    return service.restore(rt, scope, checkpoint_id)


@router.get("/{first}/diff/{second}", responses=_READ, summary="Diff two checkpoints")
def diff(first: str, second: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """From `first` to `second`: the state's changes (`add`/`remove`/`replace` at JSON Pointer
    paths) and each added, removed or modified file with a unified diff when it is text."""
    return service.compare(rt, scope, first, second)


@router.delete("/{checkpoint_id}", status_code=204, responses=_WRITE, summary="Delete checkpoint")
def delete(checkpoint_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Delete it; the bytes of its files go too unless another checkpoint lists them."""
    service.delete(rt, scope, checkpoint_id)
    return Response(status_code=204)
