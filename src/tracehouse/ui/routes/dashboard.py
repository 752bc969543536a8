"""The dashboard page: traces, errors, latency percentiles, tokens and cost, by model and user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.clock import now_us
from tracehouse.http.auth import RuntimeDep
from tracehouse.ui import dashboard
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep, range: str = "24h"
) -> Response:
    scope = who.scope(project_id)
    with rt.db.reader.connect() as conn:
        data = dashboard.build(conn, scope.project_rowid, now_us(), range)
    return page(
        request,
        "dashboard.html",
        nav="dashboard",
        who=who,
        project=who.project(project_id),
        d=data,
    )
