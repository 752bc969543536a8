"""Comments and assignments from the trace page: its forms post here, through the
collaboration service."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.collab import render, service
from tracehouse.collab.schemas import AssignmentIn, CommentIn
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.runtime import Runtime
from tracehouse.ui.evaluator_form import problems
from tracehouse.ui.session import FormDep, ViewerDep

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


def trace_comments(rt: Runtime, scope: ProjectScope, trace_id: str) -> list[dict[str, Any]]:
    """The trace's comments (and its observations'), as the page shows them."""
    return [render.comment(c) for c in service.list_comments(rt, scope, {"trace_id": trace_id})]


@router.post("/traces/{trace_id:path}/comments")
def add_comment(
    project_id: str, trace_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """A comment on the trace (any member; `@email` mentions a member)."""
    try:
        body = CommentIn.model_validate({"trace_id": trace_id, "body": fields.get("body", "")})
    except ValidationError as exc:
        raise InvalidRequest(f"Comment not saved: {problems(exc)}.") from exc
    service.create_comment(rt, who.scope(project_id, access="read"), body)
    target = f"/ui/p/{project_id}/traces/{quote(trace_id, safe='')}#comments"
    return RedirectResponse(target, status_code=303)


@router.post("/traces/{trace_id:path}/assign")
def assign_trace(
    project_id: str, trace_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Assign the trace to a member, with a note (the API's rules: write access, members)."""
    given = {
        "target_id": trace_id,
        "assignee": fields.get("assignee", "").strip(),
        "note": fields.get("note", "").strip() or None,
    }
    try:
        body = AssignmentIn.model_validate(given)
    except ValidationError as exc:
        raise InvalidRequest(f"Not assigned: {problems(exc)}.") from exc
    service.create_assignment(rt, who.scope(project_id), body)
    target = f"/ui/p/{project_id}/traces/{quote(trace_id, safe='')}#comments"
    return RedirectResponse(target, status_code=303)
