"""The inbox: a person's notifications (marked read from here) and the assignments given to
them (resolved from here). Everything goes through the collaboration service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.collab import render, service
from tracehouse.collab.schemas import AssignmentEdit
from tracehouse.http.auth import RuntimeDep
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/inbox", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def inbox(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id, access="read")
    rows, unread = service.notifications(rt, scope)
    return page(
        request,
        "inbox.html",
        nav="inbox",
        who=who,
        project=who.project(project_id),
        notifications=[render.notification(r) for r in rows],
        unread=unread,
        assignments=[render.assignment(a) for a in service.my_assignments(rt, scope, "open")],
    )


@router.post("/read")
def mark_read(project_id: str, _: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    service.mark_all_read(rt, who.scope(project_id, access="read"))
    return RedirectResponse(f"/ui/p/{project_id}/inbox", status_code=303)


@router.post("/assignments/{assignment_id}/resolve")
def resolve(
    project_id: str, assignment_id: str, _: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Resolve one of your assignments (the person who assigned it is notified)."""
    body = AssignmentEdit(status="resolved")
    service.update_assignment(rt, who.scope(project_id), assignment_id, body)
    return RedirectResponse(f"/ui/p/{project_id}/inbox", status_code=303)
