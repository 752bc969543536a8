"""End users are derived from traces, like sessions: no table of their own, always consistent."""

from __future__ import annotations

from typing import Any

from tracehouse.clock import iso
from tracehouse.endusers import store
from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.store import deadline


def _render(row: Any) -> dict[str, Any]:
    traces, errors = int(row["trace_count"]), int(row["error_count"] or 0)
    return {
        "id": row["user_id"],
        "trace_count": traces,
        "session_count": int(row["session_count"] or 0),
        "first_seen": iso(row["first_seen"]),
        "last_seen": iso(row["last_seen"]),
        "total_tokens": int(row["total_tokens"] or 0),
        "cost": float(row["cost"] or 0.0),
        "error_count": errors,
        "error_rate": errors / traces if traces else 0.0,
    }


@deadline.limited
def list_users(rt: Runtime, scope: ProjectScope, page: PageParams) -> dict[str, Any]:
    """End users with their traces, sessions, tokens, cost and errors, last seen first."""
    with rt.db.reader.connect() as conn:
        rows = store.page_of_users(conn, scope.project_rowid, page)
        total = store.count_users(conn, scope.project_rowid)
    return page_body(rows, page, total, _render, lambda r: (r["last_seen"], r["user_id"]))


def get_user(rt: Runtime, scope: ProjectScope, user_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.one_user(conn, scope.project_rowid, user_id)
    if row is None:
        raise NotFound(f"No traces from user {user_id!r}.")
    return _render(row)
