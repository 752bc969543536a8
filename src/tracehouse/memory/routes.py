"""`/api/v1/memory`: agent memory entries of the project, scoped by namespace paths."""

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
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.memory import search, service
from tracehouse.memory.schemas import (
    MemoryFilters,
    MemoryIn,
    MemoryPatch,
    MemorySearchIn,
    ScopeQuery,
)

router = APIRouter(prefix="/api/v1/memory", tags=["memory"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)


@router.post("", status_code=201, responses=_WRITE, summary="Store a memory entry")
async def store_entry(
    body: MemoryIn, response: Response, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """201 for a new entry; 200 when the scope held the same content (or key): that entry is
    updated instead of duplicated."""
    entry, created = await service.create(rt, scope, body)
    response.status_code = 201 if created else 200
    return entry


@router.get("", responses=_READ, summary="List memory entries")
def list_entries(
    filters: Annotated[MemoryFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Most recently changed first; `scope` includes the scopes below it. Expired entries are
    never listed."""
    return service.list_entries(rt, scope, filters, page)


@router.get("/scopes", responses=_READ, summary="List the scopes holding memory")
def list_scopes(
    query: Annotated[ScopeQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Every scope with live entries (in order), and how many it holds; `prefix` narrows to a
    scope and the scopes below it."""
    return service.scopes(rt, scope, query)


@router.post("/search", responses=_READ, summary="Search memory entries")
async def search_entries(
    body: MemorySearchIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """`mode` in the answer says how hits were found (`semantic` or `keyword`) and `note` why
    a semantic search fell back to keywords (no embedder, or it is down)."""
    return await search.search(rt, scope, body)


@router.get("/{memory_id}", responses=_READ, summary="Get a memory entry")
def get_entry(memory_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get(rt, scope, memory_id)


@router.patch("/{memory_id}", responses=_WRITE, summary="Update a memory entry")
async def update_entry(
    memory_id: str, body: MemoryPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Fields left out are kept; `ttl: null` makes the entry permanent."""
    return await service.update(rt, scope, memory_id, body)


@router.delete("/{memory_id}", status_code=204, responses=_WRITE, summary="Delete a memory entry")
def delete_entry(memory_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, memory_id)
    return Response(status_code=204)
