"""Comments and assignments from the UI's pages (trace, observation, session, prompt version):
their forms post here, through the collaboration service."""

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


def target_comments(
    rt: Runtime, scope: ProjectScope, kind: str, target_id: str, back: str
) -> dict[str, Any]:
    """What a page's comments section needs: the target's comments, who can be mentioned,
    and the hidden fields of its forms (`back` is the page to return to)."""
    query: dict[str, str | None] = {"target_type": kind, "target_id": target_id}
    return {
        "comments": [render.comment(c) for c in service.list_comments(rt, scope, query)],
        "mentionable": service.mentionable(rt, scope),
        "hidden": {**query, "back": back},
    }


def _back(project_id: str, fields: dict[str, str]) -> str:
    """The page to return to: a path inside this project's UI, else its traces."""
    back = fields.get("back", "")
    inside = back.startswith(f"/ui/p/{project_id}/") and "//" not in back and "\\" not in back
    back = back if inside else f"/ui/p/{project_id}/traces"
    return back if "#" in back else back + "#comments"


@router.post("/comments")
def add_target_comment(
    project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """A comment on the target the form names (any member; `@email` mentions a member)."""
    given = {k: fields.get(k, "") for k in ("target_type", "target_id", "body")}
    try:
        body = CommentIn.model_validate(given)
    except ValidationError as exc:
        raise InvalidRequest(f"Comment not saved: {problems(exc)}.") from exc
    service.create_comment(rt, who.scope(project_id, access="read"), body)
    return RedirectResponse(_back(project_id, fields), status_code=303)


@router.post("/comments/{comment_id}/edit")
def edit_comment(
    project_id: str, comment_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Change one's own comment (the API's rules: only the author, a new body, mentions)."""
    body = fields.get("body", "").strip()
    if not body or len(body) > 20_000:
        raise InvalidRequest("Comment not changed: write between 1 and 20,000 characters.")
    service.edit_comment(rt, who.scope(project_id, access="read"), comment_id, body)
    return RedirectResponse(_back(project_id, fields), status_code=303)


@router.post("/comments/{comment_id}/delete")
def delete_comment(
    project_id: str, comment_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Delete one's own comment."""
    service.delete_comment(rt, who.scope(project_id, access="read"), comment_id)
    return RedirectResponse(_back(project_id, fields), status_code=303)


@router.post("/assign")
def assign_target(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Assign the target the form names to a member (the API's rules: write access, members)."""
    given = {
        "target_type": fields.get("target_type", ""),
        "target_id": fields.get("target_id", ""),
        "assignee": fields.get("assignee", "").strip(),
        "note": fields.get("note", "").strip() or None,
    }
    try:
        body = AssignmentIn.model_validate(given)
    except ValidationError as exc:
        raise InvalidRequest(f"Not assigned: {problems(exc)}.") from exc
    service.create_assignment(rt, who.scope(project_id), body)
    return RedirectResponse(_back(project_id, fields), status_code=303)


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
