"""SQL for tapes and their views."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracehouse.store.tables import tape_views, tapes

TRENDING_DAYS = 7


def find(conn: Connection, slug: str, *, with_snapshot: bool = True) -> Any:
    columns = [c for c in tapes.c if with_snapshot or c.name != "snapshot"]
    return conn.execute(select(*columns).where(tapes.c.slug == slug)).mappings().first()


def snapshot(conn: Connection, tape_rowid: int) -> Any:
    """The tape's copy and its ETag, read together so they always match."""
    query = select(tapes.c.snapshot, tapes.c.etag).where(tapes.c.tape_rowid == tape_rowid)
    return conn.execute(query).first()


def insert_tape(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(tapes).values(**values))


def update_tape(conn: Connection, tape_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(tapes).where(tapes.c.tape_rowid == tape_rowid).values(**values))


def project_tapes(conn: Connection, project_rowid: int, limit: int, offset: int) -> list[Any]:
    query = (
        select(*_listed())
        .where(tapes.c.project_rowid == project_rowid)
        .order_by(tapes.c.published_at.desc(), tapes.c.tape_rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(query).mappings())


def count_project_tapes(conn: Connection, project_rowid: int) -> int:
    query = select(func.count()).where(tapes.c.project_rowid == project_rowid)
    return int(conn.execute(query).scalar_one())


_LISTED = (
    "tape_rowid", "slug", "trace_id", "title", "description", "tags", "visibility", "featured",
    "expires_at", "max_views", "view_count", "step_count", "published_at", "updated_at",
    "unpublished_at", "redaction",
)  # fmt: skip


def _listed() -> list[Any]:
    return [tapes.c[name] for name in _LISTED]


def explore(
    conn: Connection, *, now: int, today: int, sort: str, tag: str | None, featured: bool | None,
    limit: int, offset: int,
) -> tuple[list[Any], int]:  # fmt: skip
    """Public, live tapes, ranked; and how many there are in all."""
    where = [
        tapes.c.visibility == "public",
        tapes.c.unpublished_at.is_(None),
        or_(tapes.c.expires_at.is_(None), tapes.c.expires_at > now),
        or_(tapes.c.max_views.is_(None), tapes.c.view_count < tapes.c.max_views),
    ]
    if tag:
        where.append(tapes.c.tags.like(f"%{_json_string(tag)}%", escape="\\"))
    if featured is not None:
        where.append(tapes.c.featured.is_(featured))
    heat = _trending(today)
    query = select(*_listed()).outerjoin(heat, heat.c.tape_rowid == tapes.c.tape_rowid)
    order = {
        "newest": [tapes.c.published_at.desc()],
        "popular": [tapes.c.view_count.desc(), tapes.c.published_at.desc()],
        "trending": [func.coalesce(heat.c.heat, 0).desc(), tapes.c.published_at.desc()],
    }[sort]
    query = query.where(*where).order_by(*order, tapes.c.tape_rowid.desc())
    rows = list(conn.execute(query.limit(limit).offset(offset)).mappings())
    total = int(conn.execute(select(func.count()).select_from(tapes).where(*where)).scalar_one())
    return rows, total


def _trending(today: int) -> Any:
    """Views of the last week per tape, a view of the last two days weighing three times."""
    weight = case((tape_views.c.day >= today - 1, 3), else_=1)
    return (
        select(tape_views.c.tape_rowid, func.sum(weight).label("heat"))
        .where(tape_views.c.day > today - TRENDING_DAYS)
        .group_by(tape_views.c.tape_rowid)
        .subquery()
    )


def _json_string(tag: str) -> str:
    """The tag as it appears inside the stored JSON list, escaped for LIKE."""
    text = orjson.dumps(tag).decode()
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def add_view(conn: Connection, tape_rowid: int, day: int, visitor: str) -> bool:
    """Count a visitor once per day; True when this one is new today."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    added = conn.execute(
        dialect_insert(tape_views)
        .values(tape_rowid=tape_rowid, day=day, visitor=visitor)
        .on_conflict_do_nothing()
    )
    if not added.rowcount:
        return False
    conn.execute(
        update(tapes)
        .where(tapes.c.tape_rowid == tape_rowid)
        .values(view_count=tapes.c.view_count + 1)
    )
    return True


def seen(conn: Connection, tape_rowid: int, day: int, visitor: str) -> bool:
    c = tape_views.c
    query = select(c.day).where(c.tape_rowid == tape_rowid, c.day == day, c.visitor == visitor)
    return conn.execute(query).first() is not None


def forget_old_views(conn: Connection, tape_rowid: int, today: int) -> None:
    """Visitor hashes are kept only as long as trending looks back."""
    conn.execute(
        tape_views.delete().where(
            tape_views.c.tape_rowid == tape_rowid, tape_views.c.day <= today - TRENDING_DAYS
        )
    )
