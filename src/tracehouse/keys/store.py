"""SQL for API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from tracehouse.store.tables import api_keys, projects


def insert_key(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(api_keys).values(**values))


def key_by_hash(conn: Connection, secret_hash: str) -> Any:
    query = (
        select(api_keys, projects.c.id.label("project_id"), projects.c.plan.label("plan"))
        .outerjoin(projects, projects.c.project_rowid == api_keys.c.project_rowid)
        .where(api_keys.c.secret_hash == secret_hash)
    )
    return conn.execute(query).mappings().first()


def key_by_public(conn: Connection, public_key: str) -> Any:
    query = select(api_keys).where(api_keys.c.public_key == public_key)
    return conn.execute(query).mappings().first()


def list_keys(conn: Connection, *, org_rowid: int, project_rowid: int | None) -> list[Any]:
    query = (
        select(api_keys, projects.c.id.label("project_id"))
        .outerjoin(projects, projects.c.project_rowid == api_keys.c.project_rowid)
        .where(api_keys.c.org_rowid == org_rowid)
        .order_by(api_keys.c.key_rowid)
    )
    if project_rowid is not None:
        query = query.where(api_keys.c.project_rowid == project_rowid)
    return list(conn.execute(query).mappings())


def find_key(conn: Connection, key_id: str) -> Any:
    query = (
        select(api_keys, projects.c.id.label("project_id"))
        .outerjoin(projects, projects.c.project_rowid == api_keys.c.project_rowid)
        .where(api_keys.c.id == key_id)
    )
    return conn.execute(query).mappings().first()


def set_revoked(conn: Connection, key_rowid: int, now: int) -> None:
    conn.execute(
        update(api_keys)
        .where(api_keys.c.key_rowid == key_rowid, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def touch(conn: Connection, key_rowid: int, now: int) -> None:
    conn.execute(update(api_keys).where(api_keys.c.key_rowid == key_rowid).values(last_used_at=now))
