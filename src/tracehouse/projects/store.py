"""SQL for organizations, projects and memberships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tracehouse.store.results import new_rowid
from tracehouse.store.tables import memberships, organizations, project_members, projects, users


def insert_org(conn: Connection, org_id: str, name: str, now: int) -> int:
    result = conn.execute(insert(organizations).values(id=org_id, name=name, created_at=now))
    return new_rowid(result)


def find_org(conn: Connection, *, org_id: str | None = None, name: str | None = None) -> Any:
    query = select(organizations)
    query = (
        query.where(organizations.c.id == org_id)
        if org_id
        else query.where(organizations.c.name == name)
    )
    return conn.execute(query).mappings().first()


def org_by_rowid(conn: Connection, org_rowid: int) -> Any:
    query = select(organizations).where(organizations.c.org_rowid == org_rowid)
    return conn.execute(query).mappings().one()


def orgs_of_user(conn: Connection, user_rowid: int | None) -> list[Any]:
    query = select(organizations).order_by(organizations.c.org_rowid)
    if user_rowid is not None:
        query = query.join(memberships).where(memberships.c.user_rowid == user_rowid)
    return list(conn.execute(query).mappings())


def memberships_of(conn: Connection, user_rowid: int) -> list[Any]:
    """The organizations of a user (id, name) with the user's role in each."""
    query = (
        select(organizations.c.id, organizations.c.name, memberships.c.role)
        .join(memberships)
        .where(memberships.c.user_rowid == user_rowid)
        .order_by(organizations.c.org_rowid)
    )
    return list(conn.execute(query).mappings())


def add_member(conn: Connection, org_rowid: int, user_rowid: int, role: str) -> None:
    conn.execute(insert(memberships).values(org_rowid=org_rowid, user_rowid=user_rowid, role=role))


def set_member_role(conn: Connection, org_rowid: int, user_rowid: int, role: str | None) -> None:
    """Change a member's role; None removes the person from the organization."""
    where = (memberships.c.org_rowid == org_rowid, memberships.c.user_rowid == user_rowid)
    if role is None:
        conn.execute(delete(memberships).where(*where))
    else:
        conn.execute(update(memberships).where(*where).values(role=role))


def count_role(conn: Connection, org_rowid: int, role: str) -> int:
    query = select(func.count()).where(
        memberships.c.org_rowid == org_rowid, memberships.c.role == role
    )
    return int(conn.execute(query).scalar_one())


def member_role(conn: Connection, org_rowid: int, user_rowid: int) -> str | None:
    query = select(memberships.c.role).where(
        memberships.c.org_rowid == org_rowid, memberships.c.user_rowid == user_rowid
    )
    role = conn.execute(query).scalar()
    return None if role is None else str(role)


def roles_of_user(conn: Connection, user_rowid: int) -> dict[int, str]:
    """{org rowid: role} of a person's memberships."""
    query = select(memberships.c.org_rowid, memberships.c.role).where(
        memberships.c.user_rowid == user_rowid
    )
    return {row.org_rowid: str(row.role) for row in conn.execute(query)}


def insert_project(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(projects).values(**values))
    return new_rowid(result)


def find_project(
    conn: Connection,
    *,
    project_id: str | None = None,
    org_rowid: int | None = None,
    name: str | None = None,
    project_rowid: int | None = None,
) -> Any:
    query = select(projects, organizations.c.id.label("org_id")).join(organizations)
    if project_rowid is not None:
        query = query.where(projects.c.project_rowid == project_rowid)
    if project_id is not None:
        query = query.where(projects.c.id == project_id)
    if org_rowid is not None:
        query = query.where(projects.c.org_rowid == org_rowid)
    if name is not None:
        query = query.where(projects.c.name == name)
    return conn.execute(query).mappings().first()


def list_projects(conn: Connection, org_rowids: list[int]) -> list[Any]:
    query = (
        select(projects, organizations.c.id.label("org_id"))
        .join(organizations)
        .where(projects.c.org_rowid.in_(org_rowids))
        .order_by(projects.c.project_rowid)
    )
    return list(conn.execute(query).mappings())


def update_project(conn: Connection, project_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(projects).where(projects.c.project_rowid == project_rowid).values(**values))


def delete_project(conn: Connection, project_rowid: int) -> None:
    """The project row; its data goes with it (every table's key to it cascades)."""
    conn.execute(delete(projects).where(projects.c.project_rowid == project_rowid))


def count_projects(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(projects)).scalar_one())


def project_role(conn: Connection, project_rowid: int, user_rowid: int) -> str | None:
    """The person's own role in the project (None: their organization role applies)."""
    query = select(project_members.c.role).where(
        project_members.c.project_rowid == project_rowid,
        project_members.c.user_rowid == user_rowid,
    )
    role = conn.execute(query).scalar()
    return None if role is None else str(role)


def project_roles_of_user(conn: Connection, user_rowid: int) -> dict[int, str]:
    """{project rowid: role} of the projects where the person has a role of their own."""
    query = select(project_members.c.project_rowid, project_members.c.role).where(
        project_members.c.user_rowid == user_rowid
    )
    return {row.project_rowid: str(row.role) for row in conn.execute(query)}


def set_project_role(
    conn: Connection, project_rowid: int, user_rowid: int, role: str | None
) -> None:
    """Give the person a role in the project; None: back to their organization role."""
    where = (
        project_members.c.project_rowid == project_rowid,
        project_members.c.user_rowid == user_rowid,
    )
    conn.execute(delete(project_members).where(*where))
    if role is not None:
        values = {"project_rowid": project_rowid, "user_rowid": user_rowid, "role": role}
        conn.execute(insert(project_members).values(**values))


def project_people(conn: Connection, project_rowid: int, org_rowid: int) -> list[Any]:
    """The organization's members with their organization role and their project role."""
    own = (
        select(project_members.c.user_rowid, project_members.c.role)
        .where(project_members.c.project_rowid == project_rowid)
        .subquery()
    )
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.name,
            memberships.c.role,
            own.c.role.label("project_role"),
        )
        .join(users, users.c.user_rowid == memberships.c.user_rowid)
        .outerjoin(own, own.c.user_rowid == memberships.c.user_rowid)
        .where(memberships.c.org_rowid == org_rowid)
        .order_by(users.c.email)
    )
    return list(conn.execute(query).mappings())
