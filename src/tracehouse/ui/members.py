"""Members of an organization: list, add a person (a new user, or an existing one by e-mail),
change a person's role or remove them (never the last owner)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.projects import store as project_store
from tracehouse.ui import store as ui_store
from tracehouse.users import service as users
from tracehouse.users import store as user_store

ROLES = ("owner", "admin", "member", "viewer")


def list_members(conn: Connection, org_rowid: int) -> list[Any]:
    return ui_store.members(conn, org_rowid)


def add_member(conn: Connection, org_rowid: int, email: str, password: str, role: str) -> None:
    """Add a person to the org; a new e-mail creates the user with the given password."""
    if role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}.")
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidRequest("Give the person's e-mail address.")
    user = user_store.find_user(conn, email)
    if user is None:
        if len(password) < 8:
            raise InvalidRequest("A new user needs a password of at least 8 characters.")
        user = users.create_user(conn, email, password)
    if project_store.member_role(conn, org_rowid, user["user_rowid"]) is not None:
        raise Conflict(f"{email} is already a member.")
    project_store.add_member(conn, org_rowid, user["user_rowid"], role)
    audit.record(conn, "member.add", ("user", email), org_rowid=org_rowid, after={"role": role})


def change_member(conn: Connection, org_rowid: int, email: str, role: str | None) -> None:
    """Give a member another role, or (None) remove them; the organization keeps an owner."""
    if role is not None and role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}.")
    user = user_store.find_user(conn, email.strip().lower())
    current = (
        None if user is None else project_store.member_role(conn, org_rowid, user["user_rowid"])
    )
    if user is None or current is None:
        raise NotFound(f"{email} is not a member.")
    if (
        current == "owner"
        and role != "owner"
        and project_store.count_role(conn, org_rowid, "owner") < 2
    ):
        raise Conflict("The organization needs an owner: make someone else owner first.")
    project_store.set_member_role(conn, org_rowid, user["user_rowid"], role)
    action = "member.role" if role is not None else "member.remove"
    target = ("user", user["email"])
    audit.record(
        conn,
        action,
        target,
        org_rowid=org_rowid,
        before={"role": current},
        after=None if role is None else {"role": role},
    )
