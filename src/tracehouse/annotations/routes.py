"""`/api/v1/annotation-queues`: queues of traces for people to score."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from tracehouse.annotations import service
from tracehouse.annotations.schemas import AnnotationIn, QueueIn, QueueItemIn
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api/v1/annotation-queues", tags=["annotations"])


@router.post("", status_code=201, responses=WRITE_ERRORS, summary="Create an annotation queue")
def create_queue(body: QueueIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.create_queue(rt, scope, body)


@router.get("", responses=READ_ERRORS, summary="List annotation queues")
def list_queues(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.list_queues(rt, scope)


@router.get("/{ref}", responses=READ_ERRORS, summary="Get an annotation queue (by id or name)")
def get_queue(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.render_queue(service.require_queue(rt, scope.project_rowid, ref))


@router.post("/{ref}/items", status_code=201, responses=WRITE_ERRORS, summary="Queue a trace")
def add_item(ref: str, body: QueueItemIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.add_item(rt, scope, ref, body)


@router.get("/{ref}/items", responses=READ_ERRORS, summary="List a queue's items")
def list_items(
    ref: str,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    status: Annotated[Literal["pending", "completed"] | None, Query()] = None,
) -> dict[str, Any]:
    return service.list_items(rt, scope, ref, status)


@router.post(
    "/{ref}/items/{item_id}/complete",
    responses=WRITE_ERRORS,
    summary="Annotate an item (its score)",
)
async def complete(
    ref: str, item_id: str, body: AnnotationIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return await service.complete(rt, scope, ref, item_id, body)
