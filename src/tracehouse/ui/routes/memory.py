"""Memory: a browser of the project's memory entries per scope, with search (semantic when the
project has an embedder) and delete. Everything goes through the memory services."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.memory import search, service
from tracehouse.memory.schemas import MemoryFilters, MemorySearchIn, ScopeQuery
from tracehouse.runtime import Runtime
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/memory", include_in_schema=False)


def _query(request: Request) -> tuple[str | None, str, str]:
    """(scope, search text, mode) of the address; a malformed scope is refused."""
    params = request.query_params
    try:
        scope = MemoryFilters(scope=params.get("scope") or None).scope
    except ValidationError as exc:
        raise InvalidRequest("Not a scope: a namespace path such as user/alice.") from exc
    mode = params.get("mode") or "auto"
    return (
        scope,
        (params.get("q") or "").strip(),
        mode if mode in ("keyword", "semantic") else "auto",
    )


async def _entries(
    rt: Runtime, scope: ProjectScope, path: str | None, text: str, mode: str, cursor: str | None
) -> dict[str, Any]:
    """A page of the scope's entries, or the search hits (with how they were found)."""
    if text:
        body = MemorySearchIn(query=text, scope=path, limit=50, mode=mode)
        found = await search.search(rt, scope, body)
        return {**found, "meta": None}
    listed = await asyncio.to_thread(
        service.list_entries,
        rt,
        scope,
        MemoryFilters(scope=path),
        PageParams(limit=50, cursor=cursor),
    )
    return {"data": listed["data"], "meta": listed["meta"], "mode": None, "note": None}


@router.get("", response_class=HTMLResponse)
async def memory_page(
    request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id, access="read")
    path, text, mode = _query(request)
    found = await _entries(rt, scope, path, text, mode, request.query_params.get("cursor"))
    return page(
        request,
        "memory.html",
        nav="memory",
        who=who,
        project=who.project(project_id),
        scopes=(await asyncio.to_thread(service.scopes, rt, scope, ScopeQuery(limit=200)))["data"],
        scope_path=path,
        q=text,
        mode=mode,
        found=found,
        can_edit=who.scope(project_id).access == "write",
    )


@router.post("/{memory_id}/delete")
def delete_entry(
    project_id: str, memory_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Forget an entry (the API's rules: viewers and read-only access are refused)."""
    service.delete(rt, who.scope(project_id), memory_id)
    back = fields.get("back") or ""
    href = back if back.startswith(f"/ui/p/{project_id}/memory") else f"/ui/p/{project_id}/memory"
    return RedirectResponse(href, status_code=303)
