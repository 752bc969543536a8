"""`/api/v1/comments`, `/api/v1/assignments`, `/api/v1/notifications`: people working on
traces together. Writes need a login token (with `X-Project-ID`); API keys may read comments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tracehouse.collab import mail, notify, render, service
from tracehouse.collab.schemas import (
    AssignmentEdit,
    AssignmentIn,
    AssignmentQuery,
    CommentEdit,
    CommentIn,
    CommentQuery,
    PreferencesIn,
)
from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses

router = APIRouter(prefix="/api/v1", tags=["collaboration"])
_ERRORS = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited
)


@router.post("/comments", status_code=201, responses=_ERRORS, summary="Add a comment")
def create_comment(body: CommentIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """On a trace, observation, session or prompt version of the project; `@email` mentions
    a member of the organization (422 for anyone else) and notifies them."""
    return render.comment(service.create_comment(rt, scope, body))


@router.get("/comments", responses=_ERRORS, summary="List comments")
def list_comments(
    query: Annotated[CommentQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """`?trace_id=` (the trace's and its observations'), or `?target_type=&target_id=`;
    oldest first."""
    found = service.list_comments(rt, scope, query.model_dump())
    return {"data": [render.comment(c) for c in found]}


@router.patch("/comments/{comment_id}", responses=_ERRORS, summary="Edit your comment")
def edit_comment(
    comment_id: str, body: CommentEdit, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.comment(service.edit_comment(rt, scope, comment_id, body.body))


@router.delete(
    "/comments/{comment_id}", status_code=204, responses=_ERRORS, summary="Delete your comment"
)
def delete_comment(comment_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete_comment(rt, scope, comment_id)
    return Response(status_code=204)


@router.post("/assignments", status_code=201, responses=_ERRORS, summary="Assign a trace")
def create_assignment(body: AssignmentIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """A trace or session to a member (by email), with a note and a due date; viewers cannot
    assign. The assignee is notified."""
    return render.assignment(service.create_assignment(rt, scope, body))


@router.get("/assignments", responses=_ERRORS, summary="List my assignments")
def my_assignments(
    query: Annotated[AssignmentQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """The caller's assignments in the project, newest first; `?status=open|resolved`."""
    rows = service.my_assignments(rt, scope, query.status)
    return {"data": [render.assignment(r) for r in rows]}


@router.patch("/assignments/{assignment_id}", responses=_ERRORS, summary="Resolve or reassign")
def update_assignment(
    assignment_id: str, body: AssignmentEdit, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return render.assignment(service.update_assignment(rt, scope, assignment_id, body))


@router.get("/notifications", responses=_ERRORS, summary="List my notifications")
def notifications(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The newest 50 in the project, with the unread count."""
    rows, unread = service.notifications(rt, scope)
    return {"data": [render.notification(r) for r in rows], "meta": {"unread_count": unread}}


@router.patch("/notifications/read", responses=_ERRORS, summary="Mark all notifications read")
def mark_read(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return {"marked_read": service.mark_all_read(rt, scope)}


@router.get("/notifications/preferences", responses=_ERRORS, summary="My notification preferences")
def get_preferences(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Which kinds reach the inbox (mention, assignment, resolved) and whether by e-mail too;
    one set per person, for every project."""
    user = service.person(scope)
    with rt.db.reader.connect() as conn:
        prefs = notify.preferences(conn, user["user_rowid"])
    return {**prefs, "email_available": mail.enabled(rt.settings)}


@router.put(
    "/notifications/preferences", responses=_ERRORS, summary="Set my notification preferences"
)
def put_preferences(body: PreferencesIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """E-mails go out only when the instance has SMTP settings (`email_available`)."""
    return notify.set_preferences(rt, service.person(scope), body.kinds, body.email)
