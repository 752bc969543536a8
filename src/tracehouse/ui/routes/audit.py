"""The audit log page under Settings: the organization's entries, newest first, filtered by
action, actor, target or this project; for the organization's owners and admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.audit import export, store
from tracehouse.errors import Forbidden
from tracehouse.http.auth import Manager, Principal, RuntimeDep
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.projects import store as project_store
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/settings/audit", include_in_schema=False)
Text = Annotated[str | None, Query(max_length=300)]


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    project_id: str,
    who: ViewerDep,
    rt: RuntimeDep,
    action: Text = None,
    actor: Text = None,
    target_id: Text = None,
    this_project: bool = False,
    cursor: Text = None,
) -> Response:
    scope = who.scope(project_id)
    if not Manager(Principal(user=who.user)).can_manage(rt, scope.org_rowid):
        raise Forbidden("The audit log is for owners and admins of the organization.")
    filters = {"action": action, "actor": actor, "target_id": target_id}
    if this_project:
        filters["project_id"] = project_id
    params = PageParams(limit=100, cursor=cursor or None)
    with rt.db.reader.connect() as conn:
        rows, total = store.page(conn, scope.org_rowid, filters, params)
        org_id = project_store.org_by_rowid(conn, scope.org_rowid)["id"]
    body = page_body(
        rows, params, total, lambda r: export.render(r, org_id), lambda r: [r["entry_rowid"]]
    )
    return page(
        request,
        "audit.html",
        nav="settings",
        who=who,
        project=who.project(project_id),
        entries=body["data"],
        meta=body["meta"],
        filters={**filters, "this_project": this_project},
    )
