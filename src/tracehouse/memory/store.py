"""SQL for memory entries: scope prefix match, expiry, dedupe keys, candidates for ranking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, or_, select, true, update

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store import sqlitevec
from tracehouse.store.jsonkey import JsonKey
from tracehouse.store.pathprefix import UnderPath
from tracehouse.store.tables import memories
from tracehouse.store.textmatch import ILike

m = memories.c
#: Columns every read returns (the vector only where ranking needs it).
FIELDS = [c for c in memories.c if c.name != "embedding"]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def live(project_rowid: int, now: int) -> list[ColumnElement[bool]]:
    """The project's entries that have not expired."""
    return [m.project_rowid == project_rowid, or_(m.expires_at.is_(None), m.expires_at > now)]


def under(scope: str) -> ColumnElement[bool]:
    """The scope itself and every scope below it (`user/alice` holds `user/alice/prefs`)."""
    return UnderPath(m.scope, scope)


def conditions(
    project_rowid: int, now: int, scope: str | None, category: str | None
) -> list[ColumnElement[bool]]:
    where = live(project_rowid, now)
    if scope:
        where.append(under(scope))
    if category:
        where.append(m.category == category)
    return where


def scopes(
    conn: Connection, where: list[ColumnElement[bool]], limit: int, offset: int
) -> list[tuple[str, int]]:
    """(scope, live entries) in scope order."""
    query = (
        select(m.scope, func.count())
        .where(*where)
        .group_by(m.scope)
        .order_by(m.scope)
        .limit(limit)
        .offset(offset)
    )
    return [(str(scope), int(count)) for scope, count in conn.execute(query)]


def metadata_conditions(filters: dict[str, Any] | None) -> list[ColumnElement[bool]]:
    """SQL narrowing for text and number values; callers check every pair exactly after."""
    where: list[ColumnElement[bool]] = []
    for key, value in (filters or {}).items():
        if isinstance(value, str):
            where.append(JsonKey(m.metadata, key) == value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            where.append(JsonKey(m.metadata, key, number=True) == value)
    return where


def keyword_conditions(terms: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(ILike(m.content, f"%{_escaped(term)}%") for term in terms))


def find(conn: Connection, project_rowid: int, memory_id: str, now: int) -> Any:
    query = select(*FIELDS).where(*live(project_rowid, now), m.id == memory_id)
    return conn.execute(query).mappings().first()


def find_dedupe(conn: Connection, project_rowid: int, scope: str, dedupe_key: str) -> Any:
    query = select(*FIELDS).where(
        m.project_rowid == project_rowid, m.scope == scope, m.dedupe_key == dedupe_key
    )
    return conn.execute(query).mappings().first()


def insert_entry(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(memories).values(**values))


def update_entry(conn: Connection, memory_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(memories).where(m.memory_rowid == memory_rowid).values(**values))


def delete_entry(conn: Connection, memory_rowid: int) -> None:
    conn.execute(delete(memories).where(m.memory_rowid == memory_rowid))


def page(
    conn: Connection, where: list[ColumnElement[bool]], params: PageParams
) -> tuple[list[Any], int]:
    query = paginate(select(*FIELDS).where(*where), [m.updated_at, m.memory_rowid], params)
    total = conn.execute(select(func.count()).select_from(memories).where(*where)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def recent(conn: Connection, where: list[ColumnElement[bool]], limit: int) -> list[Any]:
    query = select(*FIELDS).where(*where).order_by(m.updated_at.desc(), m.memory_rowid.desc())
    return list(conn.execute(query.limit(limit)).mappings())


def by_rowids(conn: Connection, rowids: Sequence[int]) -> dict[int, Any]:
    rows = conn.execute(select(*FIELDS).where(m.memory_rowid.in_(rowids))).mappings()
    return {row["memory_rowid"]: row for row in rows}


def vectors(
    conn: Connection, where: list[ColumnElement[bool]], limit: int
) -> list[tuple[int, bytes]]:
    """(rowid, vector) of embedded entries, newest first."""
    query = (
        select(m.memory_rowid, m.embedding)
        .where(*where, m.embedding.is_not(None))
        .order_by(m.updated_at.desc())
        .limit(limit)
    )
    return [(int(rowid), bytes(blob)) for rowid, blob in conn.execute(query)]


def ranked_in_sql(
    conn: Connection, where: list[ColumnElement[bool]], query: bytes, limit: int
) -> list[tuple[int, float]]:
    """(rowid, cosine) of the best entries, ranked by sqlite-vec."""
    score = sqlitevec.cosine_similarity(m.embedding, query)
    size = func.length(m.embedding) == len(query)
    statement = (
        select(m.memory_rowid, score)
        .where(*where, m.embedding.is_not(None), size)
        .order_by(score.desc())
        .limit(limit)
    )
    return [(int(rowid), float(value)) for rowid, value in conn.execute(statement)]


def unembedded(conn: Connection, where: list[ColumnElement[bool]], limit: int) -> list[Any]:
    query = (
        select(m.memory_rowid, m.content)
        .where(*where, m.embedding.is_(None))
        .order_by(m.updated_at.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def set_vectors(conn: Connection, pairs: Sequence[tuple[int, bytes]]) -> None:
    for rowid, blob in pairs:
        conn.execute(update(memories).where(m.memory_rowid == rowid).values(embedding=blob))


def drop_vectors(conn: Connection, project_rowid: int) -> None:
    """Forget a project's vectors (they came from another model)."""
    conn.execute(
        update(memories)
        .where(m.project_rowid == project_rowid, m.embedding.is_not(None))
        .values(embedding=None)
    )


def purge(conn: Connection, now: int, test_cutoff: int) -> int:
    """Delete expired entries, and test-key entries created before `test_cutoff`."""
    expired = conn.execute(delete(memories).where(m.expires_at <= now)).rowcount
    tests = conn.execute(
        delete(memories).where(m.is_test == true(), m.created_at < test_cutoff)
    ).rowcount
    return int(expired) + int(tests)
