"""Who may do what in a project: a person's role there is their own project role when they
have one, else what their organization role gives (owner and admin: admin)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.projects import store

PROJECT_ROLES = ("admin", "member", "viewer")
FROM_ORG = {"owner": "admin", "admin": "admin", "member": "member", "viewer": "viewer"}


def effective(org_role: str | None, project_role: str | None, is_admin: bool = False) -> str | None:
    """The role that applies; None when the person is not in the project's organization."""
    if is_admin:
        return "admin"
    if org_role is None:
        return None
    return project_role or FROM_ORG[org_role]


def of_user(conn: Connection, user: Any, project: Any) -> str | None:
    """The person's role in the project."""
    if user["is_admin"]:
        return "admin"
    org_role = store.member_role(conn, project["org_rowid"], user["user_rowid"])
    own = store.project_role(conn, project["project_rowid"], user["user_rowid"])
    return effective(org_role, own)
