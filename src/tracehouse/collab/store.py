"""SQL for comments, assignments and notifications, and the checks that their targets and
people belong to the project."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, select, update

from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import (
    assignments,
    comments,
    memberships,
    notification_preferences,
    notifications,
    prompt_versions,
    prompts,
    traces,
    users,
)
from tracehouse.store.upsert import upsert
from tracehouse.traces import store as trace_store

#: The newest notifications a person is shown.
NOTIFICATION_LIMIT = 50


def trace_of_target(conn: Connection, project_rowid: int, kind: str, target_id: str) -> Any:
    """(exists, trace id) of a target in the project: a trace is its own trace, an
    observation names its trace, a session or prompt version has none."""
    if kind == "trace":
        found = trace_store.get_trace(conn, project_rowid, target_id) is not None
        return found, target_id
    if kind == "observation":
        trace_id = trace_store.traces_of_observations(conn, project_rowid, [target_id]).get(
            target_id
        )
        return trace_id is not None, trace_id
    if kind == "session":
        t = traces.c
        query = select(t.id).where(t.project_rowid == project_rowid, t.session_id == target_id)
        return bridge.read_scalar(conn, query.limit(1), project_rowid) is not None, None
    p, v = prompts.c, prompt_versions.c
    query = select(
        exists().where(
            v.id == target_id, p.prompt_rowid == v.prompt_rowid, p.project_rowid == project_rowid
        )
    )
    return bool(conn.execute(query).scalar()), None


def members_by_email(conn: Connection, org_rowid: int, emails: list[str]) -> dict[str, Any]:
    """{lower-cased email: user row} of the organization's members among `emails`."""
    u, m = users.c, memberships.c
    query = (
        select(users)
        .join(memberships, m.user_rowid == u.user_rowid)
        .where(m.org_rowid == org_rowid, func.lower(u.email).in_([e.lower() for e in emails]))
    )
    return {str(row["email"]).lower(): row for row in conn.execute(query).mappings()}


def member_directory(conn: Connection, org_rowid: int) -> list[Any]:
    """E-mail and name of each member of the organization, by e-mail."""
    u, m = users.c, memberships.c
    query = (
        select(u.email, u.name)
        .join_from(memberships, users, m.user_rowid == u.user_rowid)
        .where(m.org_rowid == org_rowid)
        .order_by(u.email)
    )
    return list(conn.execute(query).mappings())


def users_by_rowid(conn: Connection, rowids: set[int]) -> dict[int, Any]:
    query = select(users.c.user_rowid, users.c.email, users.c.name).where(
        users.c.user_rowid.in_(rowids)
    )
    return {row["user_rowid"]: row for row in conn.execute(query).mappings()}


def insert_comment(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(comments).values(**values))


def get_comment(conn: Connection, project_rowid: int, comment_id: str) -> Any:
    c = comments.c
    query = select(comments).where(c.project_rowid == project_rowid, c.id == comment_id)
    return conn.execute(query).mappings().first()


def update_comment(conn: Connection, comment_rowid: int, **values: Any) -> None:
    c = comments.c
    conn.execute(update(comments).where(c.comment_rowid == comment_rowid).values(**values))


def delete_comment(conn: Connection, comment_rowid: int) -> None:
    conn.execute(delete(comments).where(comments.c.comment_rowid == comment_rowid))


def list_comments(conn: Connection, project_rowid: int, conditions: dict[str, str]) -> list[Any]:
    """Oldest first (a conversation reads top-down)."""
    c = comments.c
    where = [c.project_rowid == project_rowid, *(c[k] == v for k, v in conditions.items())]
    query = select(comments).where(*where).order_by(c.created_at, c.comment_rowid)
    return list(conn.execute(query).mappings())


def insert_assignment(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(assignments).values(**values))


def get_assignment(conn: Connection, project_rowid: int, assignment_id: str) -> Any:
    a = assignments.c
    query = select(assignments).where(a.project_rowid == project_rowid, a.id == assignment_id)
    return conn.execute(query).mappings().first()


def update_assignment(conn: Connection, assignment_rowid: int, **values: Any) -> None:
    a = assignments.c
    conn.execute(update(assignments).where(a.assignment_rowid == assignment_rowid).values(**values))


def assignments_of(
    conn: Connection, project_rowid: int, user_rowid: int, status: str | None
) -> list[Any]:
    """A person's assignments in the project, newest first."""
    a = assignments.c
    where = [a.project_rowid == project_rowid, a.assignee_rowid == user_rowid]
    if status:
        where.append(a.status == status)
    query = (
        select(assignments).where(*where).order_by(a.created_at.desc(), a.assignment_rowid.desc())
    )
    return list(conn.execute(query).mappings())


def insert_notifications(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(notifications), rows)


def notifications_of(conn: Connection, project_rowid: int, user_rowid: int) -> list[Any]:
    n = notifications.c
    query = (
        select(notifications)
        .where(n.project_rowid == project_rowid, n.user_rowid == user_rowid)
        .order_by(n.created_at.desc(), n.notification_rowid.desc())
        .limit(NOTIFICATION_LIMIT)
    )
    return list(conn.execute(query).mappings())


def unread_count(conn: Connection, project_rowid: int, user_rowid: int) -> int:
    n = notifications.c
    query = select(func.count()).where(
        n.project_rowid == project_rowid, n.user_rowid == user_rowid, n.read_at.is_(None)
    )
    return int(conn.execute(query).scalar_one())


def mark_read(conn: Connection, project_rowid: int, user_rowid: int, now: int) -> int:
    n = notifications.c
    result = conn.execute(
        update(notifications)
        .where(n.project_rowid == project_rowid, n.user_rowid == user_rowid, n.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount)


def preferences_of(conn: Connection, user_rowid: int) -> Any:
    p = notification_preferences.c
    query = select(notification_preferences).where(p.user_rowid == user_rowid)
    return conn.execute(query).mappings().first()


def save_preferences(conn: Connection, user_rowid: int, values: dict[str, Any]) -> None:
    row = {"user_rowid": user_rowid, **values}
    upsert(conn, notification_preferences, [row], ("user_rowid",), replace=tuple(values))
