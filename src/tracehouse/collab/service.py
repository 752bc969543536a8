"""The rules of collaboration: comments are written by people (API keys only read them), each
`@email` mention must name a member of the project's organization and notifies them;
assignments need write access and notify the assignee (and the assigner on resolve)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from sqlalchemy import Connection

from tracehouse import jsontext
from tracehouse.clock import now_us, to_us
from tracehouse.collab import notify, store
from tracehouse.collab.schemas import AssignmentEdit, AssignmentIn, CommentIn
from tracehouse.errors import Forbidden, InvalidRequest, NotFound, ValidationFailed
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime

#: `@` then an email, not inside a word (so `ann@example.com` alone is no mention).
_MENTION = re.compile(r"(?<![\w@.])@([^\s@]+@[^\s@]+\.[A-Za-z]{2,})")
#: Raw HTML in a comment is escaped, never passed through; unsafe links are refused.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment with its author (user row or None when the author was deleted)."""

    row: Any
    author: Any


def person(scope: ProjectScope) -> Any:
    """The user behind the request; API keys are not people."""
    user = scope.principal.user
    if user is None:
        raise Forbidden("Comments and assignments are made by people: use a login token.")
    return user


def render_markdown(body: str) -> str:
    return str(_MARKDOWN.render(body))


def mentions_in(body: str) -> list[str]:
    """The emails `@mentioned` in a body, in order, each once (trailing punctuation dropped)."""
    found = (m.rstrip(".,;:!?)") for m in _MENTION.findall(body))
    return list(dict.fromkeys(email.lower() for email in found))


def mentionable(rt: Runtime, scope: ProjectScope) -> list[dict[str, str]]:
    """The people a comment in this project can mention (its organization's members):
    e-mail and name, for the UI's autocomplete."""
    with rt.db.reader.connect() as conn:
        rows = store.member_directory(conn, scope.org_rowid)
    return [{"email": str(r["email"]), "name": str(r["name"] or "")} for r in rows]


def _members(conn: Connection, scope: ProjectScope, emails: list[str], field: str) -> list[Any]:
    """The members named by `emails`; 422 naming each one who is not a member."""
    found = store.members_by_email(conn, scope.org_rowid, emails) if emails else {}
    missing = [email for email in emails if email not in found]
    if missing:
        raise ValidationFailed(
            f"Not a member of this project: {', '.join(missing)}.",
            [{"field": field, "message": f"{email} is not a member"} for email in missing],
        )
    return [found[email] for email in emails]


def _target(conn: Connection, scope: ProjectScope, kind: str, target_id: str) -> str | None:
    """The target's trace id; 404 when the project has no such target."""
    found, trace_id = store.trace_of_target(conn, scope.project_rowid, kind, target_id)
    if not found:
        raise NotFound(f"No {kind.replace('_', ' ')} {target_id!r} in this project.")
    return trace_id  # type: ignore[no-any-return]


def _notes(
    scope: ProjectScope,
    people: list[Any],
    actor: Any,
    kind: str,
    target: tuple[str, str],
    text: str,
) -> list[dict[str, Any]]:
    """Notification rows for `people` (never for the actor about their own act)."""
    now = now_us()
    return [
        {
            "user_rowid": p["user_rowid"],
            "project_rowid": scope.project_rowid,
            "id": new_id(),
            "kind": kind,
            "target_type": target[0],
            "target_id": target[1],
            "actor_rowid": actor["user_rowid"],
            "summary": text,
            "created_at": now,
        }
        for p in people
        if p["user_rowid"] != actor["user_rowid"]
    ]


def create_comment(rt: Runtime, scope: ProjectScope, body: CommentIn) -> Comment:
    """Any member may comment (viewers too: a comment changes no data)."""
    user = person(scope)
    target_id = body.target_id or (body.trace_id if body.target_type == "trace" else None)
    if not target_id:
        raise InvalidRequest("Name what the comment is on: target_id (or trace_id).")
    emails = mentions_in(body.body)
    now = now_us()
    values = {
        "project_rowid": scope.project_rowid,
        "id": new_id(),
        "target_type": body.target_type,
        "target_id": target_id,
        "author_rowid": user["user_rowid"],
        "body": body.body,
        "mentions": jsontext.dumps(emails),
        "created_at": now,
        "updated_at": now,
    }
    with rt.db.writer.begin() as conn:
        values["trace_id"] = _target(conn, scope, body.target_type, target_id)
        mentioned = _members(conn, scope, emails, "body")
        store.insert_comment(conn, values)
        summary = f"{user['email']} mentioned you in a comment"
        target = (body.target_type, target_id)
        notes = _notes(scope, mentioned, user, "mention", target, summary)
        outbox = notify.stage(conn, rt, scope, notes)
        created = Comment(store.get_comment(conn, scope.project_rowid, values["id"]), user)
    notify.send(rt, outbox)
    return created


def list_comments(
    rt: Runtime, scope: ProjectScope, filters: dict[str, str | None]
) -> list[Comment]:
    conditions = {k: v for k, v in filters.items() if v}
    if not conditions:
        raise InvalidRequest("Name the comments: trace_id, or target_type and target_id.")
    with rt.db.reader.connect() as conn:
        rows = store.list_comments(conn, scope.project_rowid, conditions)
        authors = store.users_by_rowid(conn, {r["author_rowid"] for r in rows if r["author_rowid"]})
    return [Comment(row, authors.get(row["author_rowid"])) for row in rows]


def _own_comment(conn: Connection, scope: ProjectScope, comment_id: str) -> Any:
    user = person(scope)
    row = store.get_comment(conn, scope.project_rowid, comment_id)
    if row is None:
        raise NotFound(f"No comment {comment_id!r}.")
    if row["author_rowid"] != user["user_rowid"]:
        raise Forbidden("Only its author edits or deletes a comment.")
    return row


def edit_comment(rt: Runtime, scope: ProjectScope, comment_id: str, body: str) -> Comment:
    """A new body; people mentioned for the first time are notified."""
    user = person(scope)
    emails = mentions_in(body)
    with rt.db.writer.begin() as conn:
        row = _own_comment(conn, scope, comment_id)
        mentioned = _members(conn, scope, emails, "body")
        before = set(jsontext.loads(row["mentions"]) or [])
        new = [m for m in mentioned if str(m["email"]).lower() not in before]
        store.update_comment(
            conn,
            row["comment_rowid"],
            body=body,
            mentions=jsontext.dumps(emails),
            updated_at=now_us(),
        )
        target = (row["target_type"], row["target_id"])
        summary = f"{user['email']} mentioned you in a comment"
        outbox = notify.stage(conn, rt, scope, _notes(scope, new, user, "mention", target, summary))
        edited = Comment(store.get_comment(conn, scope.project_rowid, comment_id), user)
    notify.send(rt, outbox)
    return edited


def delete_comment(rt: Runtime, scope: ProjectScope, comment_id: str) -> None:
    with rt.db.writer.begin() as conn:
        store.delete_comment(conn, _own_comment(conn, scope, comment_id)["comment_rowid"])


def create_assignment(rt: Runtime, scope: ProjectScope, body: AssignmentIn) -> Any:
    """Assign a trace or session to a member (write access needed); the assignee is notified."""
    user = person(scope)
    scope.require_write()
    now = now_us()
    values = {
        "project_rowid": scope.project_rowid,
        "id": new_id(),
        "target_type": body.target_type,
        "target_id": body.target_id,
        "assigner_rowid": user["user_rowid"],
        "note": body.note,
        "due_at": to_us(body.due_at),
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }
    with rt.db.writer.begin() as conn:
        _target(conn, scope, body.target_type, body.target_id)
        (assignee,) = _members(conn, scope, [body.assignee.lower()], "assignee")
        values["assignee_rowid"] = assignee["user_rowid"]
        store.insert_assignment(conn, values)
        target = (body.target_type, body.target_id)
        summary = f"{user['email']} assigned you a {body.target_type}"
        notes = _notes(scope, [assignee], user, "assignment", target, summary)
        outbox = notify.stage(conn, rt, scope, notes)
        created = store.get_assignment(conn, scope.project_rowid, values["id"])
    notify.send(rt, outbox)
    return created


def update_assignment(
    rt: Runtime, scope: ProjectScope, assignment_id: str, body: AssignmentEdit
) -> Any:
    """Resolve, reopen, reassign or re-note (write access; the assignee may change the
    status of their own, whatever their role); a new assignee and (on resolve) the assigner
    are notified."""
    user = person(scope)
    with rt.db.writer.begin() as conn:
        row = store.get_assignment(conn, scope.project_rowid, assignment_id)
        if row is None:
            raise NotFound(f"No assignment {assignment_id!r}.")
        own_status = row["assignee_rowid"] == user["user_rowid"] and body.model_fields_set <= {
            "status"
        }
        if not own_status:
            scope.require_write()
        changes: dict[str, Any] = {
            k: v for k, v in body.model_dump(exclude_unset=True).items() if k != "assignee"
        }
        if "due_at" in changes:
            changes["due_at"] = to_us(body.due_at)
        notes = _assignment_notes(conn, scope, row, body, user, changes)
        store.update_assignment(conn, row["assignment_rowid"], **changes, updated_at=now_us())
        outbox = notify.stage(conn, rt, scope, notes)
        updated = store.get_assignment(conn, scope.project_rowid, assignment_id)
    notify.send(rt, outbox)
    return updated


def _assignment_notes(
    conn: Connection,
    scope: ProjectScope,
    row: Any,
    body: AssignmentEdit,
    user: Any,
    changes: dict[str, Any],
) -> list[dict[str, Any]]:
    target = (row["target_type"], row["target_id"])
    notes: list[dict[str, Any]] = []
    if body.assignee is not None:
        (assignee,) = _members(conn, scope, [body.assignee.lower()], "assignee")
        changes["assignee_rowid"] = assignee["user_rowid"]
        if assignee["user_rowid"] != row["assignee_rowid"]:
            summary = f"{user['email']} assigned you a {row['target_type']}"
            notes += _notes(scope, [assignee], user, "assignment", target, summary)
    if body.status == "resolved" and row["status"] != "resolved" and row["assigner_rowid"]:
        summary = f"{user['email']} resolved an assignment"
        assigner = {"user_rowid": row["assigner_rowid"]}
        notes += _notes(scope, [assigner], user, "resolved", target, summary)
    return notes


def my_assignments(rt: Runtime, scope: ProjectScope, status: str | None) -> list[Any]:
    user = person(scope)
    with rt.db.reader.connect() as conn:
        return store.assignments_of(conn, scope.project_rowid, user["user_rowid"], status)


def notifications(rt: Runtime, scope: ProjectScope) -> tuple[list[Any], int]:
    """The person's newest 50 notifications in the project, and how many are unread."""
    user = person(scope)
    with rt.db.reader.connect() as conn:
        rows = store.notifications_of(conn, scope.project_rowid, user["user_rowid"])
        unread = store.unread_count(conn, scope.project_rowid, user["user_rowid"])
    return rows, unread


def mark_all_read(rt: Runtime, scope: ProjectScope) -> int:
    user = person(scope)
    with rt.db.writer.begin() as conn:
        return store.mark_read(conn, scope.project_rowid, user["user_rowid"], now_us())
