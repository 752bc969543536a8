"""Sessions: the list, and one session as the conversation it was, trace by trace."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.sessions import service
from tracehouse.ui import content
from tracehouse.ui.routes.comments import target_comments
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


@router.get("/sessions", response_class=HTMLResponse)
def session_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    cursor = request.query_params.get("cursor") or None
    body = service.list_sessions(
        rt, scope, service.SessionFilters(), PageParams(limit=50, cursor=cursor)
    )
    return page(
        request,
        "sessions.html",
        nav="sessions",
        who=who,
        project=who.project(project_id),
        sessions=body["data"],
        meta=body["meta"],
        cursor=cursor,
    )


@router.get("/sessions/{session_id:path}", response_class=HTMLResponse)
def session_page(
    request: Request, project_id: str, session_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    body = service.get_session(rt, scope, session_id)
    turns = [
        {
            "trace": t,
            # Later turns' inputs repeat the conversation so far: show what is new.
            "input": content.latest_turn(shown) if i else shown,
            "output": content.view(t["output"]),
        }
        for i, t in enumerate(body["traces"])
        for shown in [content.view(t["input"])]
    ]
    back = f"/ui/p/{project_id}/sessions/{quote(session_id, safe='')}"
    return page(
        request,
        "session.html",
        nav="sessions",
        who=who,
        project=who.project(project_id),
        session=body,
        turns=turns,
        can_edit=scope.access == "write",
        **target_comments(rt, scope, "session", session_id, back),
    )
