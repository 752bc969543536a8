"""Media a project's traces reference (Langfuse media), sent to people signed in to the UI."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tracehouse.http.auth import RuntimeDep
from tracehouse.media import service
from tracehouse.media.download import file_response
from tracehouse.ui.session import ViewerDep

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


@router.get("/media/{media_id}")
def media_file(project_id: str, media_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    found = service.project_content(rt, who.scope(project_id), media_id)
    return file_response(found, media_id)
