"""SQL for a project's embedder choice and for the model each of its vector indexes holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tracehouse.store.tables import embedding_indexes, project_embedders


def get_choice(conn: Connection, project_rowid: int) -> Any:
    query = select(project_embedders).where(project_embedders.c.project_rowid == project_rowid)
    return conn.execute(query).mappings().first()


def put_choice(conn: Connection, project_rowid: int, values: dict[str, Any]) -> None:
    delete_choice(conn, project_rowid)
    conn.execute(insert(project_embedders).values(project_rowid=project_rowid, **values))


def delete_choice(conn: Connection, project_rowid: int) -> int:
    where = project_embedders.c.project_rowid == project_rowid
    return int(conn.execute(delete(project_embedders).where(where)).rowcount)


def get_index(conn: Connection, project_rowid: int, name: str) -> Any:
    e = embedding_indexes.c
    query = select(embedding_indexes).where(e.project_rowid == project_rowid, e.name == name)
    return conn.execute(query).mappings().first()


def record_index(
    conn: Connection, project_rowid: int, name: str, model: str, dimensions: int, now: int
) -> bool:
    """Note that the index `name` holds vectors of `model`; True when it held another model's
    (or none) until now, so the caller drops or rebuilds the old vectors."""
    row = get_index(conn, project_rowid, name)
    values = {"model": model, "dimensions": dimensions, "updated_at": now}
    if row is None:
        conn.execute(
            insert(embedding_indexes).values(project_rowid=project_rowid, name=name, **values)
        )
        return True
    if row["model"] == model and row["dimensions"] == dimensions:
        return False
    e = embedding_indexes.c
    conn.execute(
        update(embedding_indexes)
        .where(e.project_rowid == project_rowid, e.name == name)
        .values(**values)
    )
    return True


def forget_index(conn: Connection, project_rowid: int, name: str) -> None:
    """The index is empty again (its vectors were dropped)."""
    e = embedding_indexes.c
    conn.execute(delete(embedding_indexes).where(e.project_rowid == project_rowid, e.name == name))
