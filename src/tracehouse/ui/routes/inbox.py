"""The inbox: a person's notifications (marked read from here) and the assignments given to
them (resolved from here). Everything goes through the collaboration service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.collab import mail, notify, render, service
from tracehouse.collab.schemas import AssignmentEdit
from tracehouse.http.auth import RuntimeDep
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/inbox", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def inbox(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id, access="read")
    rows, unread = service.notifications(rt, scope)
    with rt.db.reader.connect() as conn:
        prefs = notify.preferences(conn, who.user["user_rowid"])
    return page(
        request,
        "inbox.html",
        nav="inbox",
        who=who,
        project=who.project(project_id),
        notifications=[render.notification(r) for r in rows],
        unread=unread,
        bell=unread,
        prefs=prefs,
        kinds=notify.KINDS,
        email_available=mail.enabled(rt.settings),
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


@router.post("/preferences")
def preferences(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Which kinds of notification you get, and whether by e-mail too."""
    who.project(project_id)
    kinds = [kind for kind in notify.KINDS if fields.get(f"kind_{kind}")]
    notify.set_preferences(rt, who.user, kinds, bool(fields.get("email")))
    return RedirectResponse(f"/ui/p/{project_id}/inbox#preferences", status_code=303)
