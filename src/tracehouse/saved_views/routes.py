"""`/api/v1/saved-views`: named trace-list views of the project (filters, columns, sort)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.pagination import PageQuery
from tracehouse.saved_views import service
from tracehouse.saved_views.schemas import SavedViewIn, SavedViewPatch

router = APIRouter(prefix="/api/v1/saved-views", tags=["saved views"])


@router.post("", status_code=201, responses=WRITE_ERRORS, summary="Save a view of the trace list")
def create(body: SavedViewIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """`filters` are checked by the trace list's own parser and stored as the query parameters
    that are set; `query` in the answer is the `GET /api/v1/traces` (and trace page) query."""
    return service.create(rt, scope, body)


@router.get("", responses=READ_ERRORS, summary="List saved views")
def list_all(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.list_views(rt, scope, page)


@router.get("/{ref}", responses=READ_ERRORS, summary="Get a saved view (by id or name)")
def get(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.render(service.require(rt, scope, ref))


@router.patch("/{ref}", responses=WRITE_ERRORS, summary="Change a saved view")
def update(
    ref: str, body: SavedViewPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return service.update(rt, scope, ref, body)


@router.delete("/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete a saved view")
def delete(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, ref)
    return Response(status_code=204)
