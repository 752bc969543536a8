"""SQL for the `media` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from tracehouse.store.tables import media
from tracehouse.store.upsert import upsert

#: Kept from the first request for the same content: where it was first placed.
_FIRST_PLACE = (
    "created_at",
    "trace_id",
    "observation_id",
    "dataset_id",
    "dataset_item_id",
    "field",
)


def find(conn: Connection, project_rowid: int, media_id: str) -> Any:
    query = select(media).where(media.c.project_rowid == project_rowid, media.c.id == media_id)
    return conn.execute(query).mappings().first()


def find_many(conn: Connection, project_rowid: int, media_ids: list[str]) -> list[Any]:
    query = select(media).where(media.c.project_rowid == project_rowid, media.c.id.in_(media_ids))
    return list(conn.execute(query).mappings())


def by_rowid(conn: Connection, media_rowid: int) -> Any:
    return conn.execute(select(media).where(media.c.media_rowid == media_rowid)).mappings().first()


def save_request(conn: Connection, values: dict[str, Any]) -> Any:
    """Insert the media row, or update its type and size; the stored row."""
    upsert(conn, media, [values], ("project_rowid", "id"), keep_existing=_FIRST_PLACE)
    return find(conn, values["project_rowid"], values["id"])


def set_upload(conn: Connection, media_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(media).where(media.c.media_rowid == media_rowid).values(**values))
