"""The dashboard page: the analytics service's figures for a preset or custom time range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.clock import now_us
from tracehouse.http.auth import RuntimeDep
from tracehouse.ui import dashboard
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    project_id: str,
    who: ViewerDep,
    rt: RuntimeDep,
    range: str = dashboard.DEFAULT_RANGE,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    """Presets (`range`) or a custom `from`/`to` (GET form), passed to the analytics service
    as its `from`/`to`; the service picks the bucket size."""
    scope = who.scope(project_id, access="read")
    filters = dashboard.time_filters(range, start, end, now_us())
    data = dashboard.build(rt, scope, filters)
    custom = bool(start or end)
    return page(
        request,
        "dashboard.html",
        nav="dashboard",
        who=who,
        project=who.project(project_id),
        d=data,
        ranges=list(dashboard.RANGES),
        current=None if custom else range if range in dashboard.RANGES else dashboard.DEFAULT_RANGE,
        form={"from": str(data["from"])[:16], "to": str(data["to"])[:16]},
    )
