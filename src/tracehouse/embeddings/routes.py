"""`/api/v1/embedder`: the embedder a project uses for semantic memory and search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from tracehouse.embeddings import service
from tracehouse.embeddings.schemas import EmbedderIn
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api/v1/embedder", tags=["embeddings"])


@router.get("", responses=READ_ERRORS, summary="The project's embedder")
def get_embedder(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """`source`: `project` (set here) or `server` (`TRACEHOUSE_EMBEDDER`)."""
    return service.describe(rt, scope)


@router.put("", responses=WRITE_ERRORS, summary="Set the project's embedder")
def put_embedder(body: EmbedderIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Checked before it is kept: the credential exists and has an embeddings API, or the
    model2vec model loads. `kind: none` turns semantic search off for the project."""
    return service.put(rt, scope, body)


@router.delete("", status_code=204, responses=WRITE_ERRORS, summary="Use the server's embedder")
def delete_embedder(scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.reset(rt, scope)
    return Response(status_code=204)
