"""Comments, assignments and notifications as the native API shows them (snake_case)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.collab.service import Comment, render_markdown


def _person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"email": user["email"], "name": user["name"]}


def comment(found: Comment) -> dict[str, Any]:
    row = found.row
    return {
        "id": row["id"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "trace_id": row["trace_id"],
        "author": _person(found.author),
        "body": row["body"],
        "body_html": render_markdown(row["body"]),
        "mentions": jsontext.loads(row["mentions"]) or [],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "edited": row["updated_at"] != row["created_at"],
    }


def assignment(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "status": row["status"],
        "note": row["note"],
        "due_at": iso(row["due_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def notification(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "summary": row["summary"],
        "read": row["read_at"] is not None,
        "created_at": iso(row["created_at"]),
    }
