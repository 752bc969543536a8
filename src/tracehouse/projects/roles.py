"""Who may do what in a project: a person's role there is their own project role when they
have one, else what their organization role gives (owner and admin: admin)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.projects import store
from tracehouse.users import store as user_store

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


def set_role(conn: Connection, project: Any, email: str, role: str | None) -> tuple[Any, str]:
    """Give a member of the project's organization a role in it (None: back to their
    organization role); (the user, their organization role). 404 for anyone else."""
    user = user_store.find_user(conn, email.strip().lower())
    org_role = user and store.member_role(conn, project["org_rowid"], user["user_rowid"])
    if user is None or org_role is None:
        raise NotFound(f"No member {email!r} in this project's organization.")
    if role is not None and role not in PROJECT_ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(PROJECT_ROLES)}, or none.")
    before = store.project_role(conn, project["project_rowid"], user["user_rowid"])
    store.set_project_role(conn, project["project_rowid"], user["user_rowid"], role)
    audit.record(
        conn,
        "project_member.role",
        ("user", user["email"]),
        project_rowid=project["project_rowid"],
        before={"role": before},
        after={"role": role},
    )
    return user, org_role
