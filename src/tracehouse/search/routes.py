"""`POST /api/v1/search`: keyword, semantic or hybrid search across the project's spans."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tracehouse.errors import InvalidRequest, RateLimited, Unauthorized, ValidationFailed
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.search import service
from tracehouse.search.schemas import SearchRequest

router = APIRouter(prefix="/api/v1/search", tags=["search"])
_READ = error_responses(InvalidRequest, Unauthorized, ValidationFailed, RateLimited)


@router.post("", responses=_READ, summary="Search spans")
async def search(body: SearchRequest, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The traces whose text best matches `query` (names, chat turns, tool names and
    arguments, error and status messages), one hit per trace at its best span, with a snippet
    (HTML: the text escaped, matched words in `<mark>`) and a score. `meta.index.lag_seconds`:
    how long ago the oldest change the index has not read yet was committed; `meta.mode`: the
    mode that answered (`keyword` when no embedder is set or it is down, with a note why)."""
    return await service.search(rt, scope, body)
