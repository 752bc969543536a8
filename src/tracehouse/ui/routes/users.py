"""End users: the list (traces, sessions, tokens, cost, last seen, error rate) and one user with
their traces, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.endusers import service
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.saved_views.schemas import DEFAULT_COLUMNS
from tracehouse.traces import service as traces
from tracehouse.traces.filters import TraceListParams
from tracehouse.ui import store as ui_store
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/users", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def user_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id, "read")
    cursor = request.query_params.get("cursor") or None
    body = service.list_users(rt, scope, PageParams(limit=50, cursor=cursor))
    return page(
        request,
        "users.html",
        nav="users",
        who=who,
        project=who.project(project_id),
        users=body["data"],
        meta=body["meta"],
    )


@router.get("/{user_id:path}", response_class=HTMLResponse)
def user_page(
    request: Request, project_id: str, user_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id, "read")
    summary = service.get_user(rt, scope, user_id)
    cursor = request.query_params.get("cursor") or None
    params = TraceListParams(user_id=user_id)
    body = traces.list_traces(rt, scope, params, PageParams(limit=50, cursor=cursor))
    with rt.db.reader.connect() as conn:
        chips = ui_store.trace_scores(conn, scope.project_rowid, [t["id"] for t in body["data"]])
    return page(
        request,
        "user.html",
        nav="users",
        who=who,
        project=who.project(project_id),
        user=summary,
        traces=body["data"],
        meta=body["meta"],
        scores=chips,
        columns=DEFAULT_COLUMNS,
    )
