"""`/api/v1/providers`: LLM provider credentials of the project (keys are write-only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.pagination import PageQuery
from tracehouse.providers import service
from tracehouse.providers.schemas import CredentialIn, CredentialPatch

router = APIRouter(prefix="/api/v1/providers", tags=["providers"])


@router.post("", status_code=201, responses=WRITE_ERRORS, summary="Store a provider credential")
def create(body: CredentialIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The API key is encrypted at rest and never returned; responses show `api_key_hint`."""
    return service.create(rt, scope, body)


@router.get("", responses=READ_ERRORS, summary="List provider credentials")
def list_all(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.list_credentials(rt, scope, page)


@router.get("/{ref}", responses=READ_ERRORS, summary="Get a provider credential (by id or name)")
def get(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.render(service.require(rt, scope.project_rowid, ref))


@router.patch("/{ref}", responses=WRITE_ERRORS, summary="Update a provider credential")
def update(
    ref: str, body: CredentialPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return service.update(rt, scope, ref, body)


@router.delete(
    "/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete a provider credential"
)
def delete(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, ref)
    return Response(status_code=204)
