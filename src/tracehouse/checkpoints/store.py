"""SQL for checkpoints, their file lists and the project's content-addressed file bytes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracehouse.checkpoints.schemas import CheckpointQuery
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.tables import checkpoint_blobs, checkpoint_files, checkpoints

_LISTED = [c for c in checkpoints.c if c.name != "state"]


def find(conn: Connection, project_rowid: int, checkpoint_id: str) -> Any:
    c = checkpoints.c
    query = select(checkpoints).where(c.project_rowid == project_rowid, c.id == checkpoint_id)
    return conn.execute(query).mappings().first()


def insert_checkpoint(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(checkpoints).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def missing_blobs(conn: Connection, project_rowid: int, hashes: Iterable[str]) -> set[str]:
    wanted = set(hashes)
    b = checkpoint_blobs.c
    query = select(b.sha256).where(b.project_rowid == project_rowid, b.sha256.in_(wanted))
    return wanted - set(conn.execute(query).scalars())


def insert_blobs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store new contents; one another writer stored meanwhile is left as it is."""
    if rows:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(dialect_insert(checkpoint_blobs).on_conflict_do_nothing(), rows)


def insert_files(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(checkpoint_files), rows)


def files(conn: Connection, checkpoint_rowid: int) -> list[Any]:
    f = checkpoint_files.c
    query = select(f.path, f.sha256, f.size_bytes).where(f.checkpoint_rowid == checkpoint_rowid)
    return list(conn.execute(query.order_by(f.path)).mappings())


def blobs(conn: Connection, project_rowid: int, hashes: Iterable[str]) -> dict[str, bytes]:
    b = checkpoint_blobs.c
    query = select(b.sha256, b.content).where(
        b.project_rowid == project_rowid, b.sha256.in_(set(hashes))
    )
    return {row.sha256: bytes(row.content) for row in conn.execute(query)}


def delete(conn: Connection, checkpoint_rowid: int) -> None:
    conn.execute(checkpoints.delete().where(checkpoints.c.checkpoint_rowid == checkpoint_rowid))


def drop_unused_blobs(conn: Connection, project_rowid: int, hashes: Iterable[str]) -> None:
    """Delete the bytes of `hashes` no checkpoint of the project lists any more."""
    f, c, b = checkpoint_files.c, checkpoints.c, checkpoint_blobs.c
    used = (
        select(f.sha256)
        .join(checkpoints, c.checkpoint_rowid == f.checkpoint_rowid)
        .where(c.project_rowid == project_rowid, f.sha256.in_(set(hashes)))
    )
    conn.execute(
        checkpoint_blobs.delete().where(
            b.project_rowid == project_rowid, b.sha256.in_(set(hashes)), b.sha256.not_in(used)
        )
    )


def stored_bytes(conn: Connection, project_rowid: int) -> tuple[int, int]:
    """How many distinct files the project keeps, and their bytes."""
    b = checkpoint_blobs.c
    query = select(func.count(), func.coalesce(func.sum(b.size_bytes), 0)).where(
        b.project_rowid == project_rowid
    )
    count, size = conn.execute(query).one()
    return int(count), int(size)


def listing(
    conn: Connection, project_rowid: int, query: CheckpointQuery, page: PageParams
) -> tuple[list[Any], int]:
    c = checkpoints.c
    where = [c.project_rowid == project_rowid]
    for name in ("trace_id", "session_id", "kind", "name"):
        value = getattr(query, name)
        if value is not None:
            where.append(c[name] == value)
    keys = [c.created_at, c.checkpoint_rowid]
    listed = paginate(select(*_LISTED).where(*where), keys, page, descending=query.order == "desc")
    rows = list(conn.execute(listed).mappings())
    total = conn.execute(select(func.count()).select_from(checkpoints).where(*where)).scalar_one()
    return rows, int(total)
