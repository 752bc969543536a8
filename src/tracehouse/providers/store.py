"""SQL for provider credentials."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tracehouse.store.tables import provider_credentials

_P = provider_credentials.c


def find(conn: Connection, project_rowid: int, ref: str) -> Any:
    """A credential by id or by name."""
    query = select(provider_credentials).where(
        _P.project_rowid == project_rowid, (_P.id == ref) | (_P.name == ref)
    )
    return conn.execute(query).mappings().first()


def insert_credential(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(provider_credentials).values(**values))


def update_credential(conn: Connection, credential_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(provider_credentials).where(_P.credential_rowid == credential_rowid).values(**values)
    )


def delete_credential(conn: Connection, credential_rowid: int) -> None:
    conn.execute(delete(provider_credentials).where(_P.credential_rowid == credential_rowid))


def list_credentials(
    conn: Connection, project_rowid: int, limit: int, offset: int
) -> tuple[list[Any], int]:
    where = _P.project_rowid == project_rowid
    query = (
        select(provider_credentials)
        .where(where)
        .order_by(_P.created_at.desc(), _P.credential_rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    total = conn.execute(select(func.count()).select_from(provider_credentials).where(where))
    return list(conn.execute(query).mappings()), int(total.scalar_one())
