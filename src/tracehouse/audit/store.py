"""SQL for the audit log: append at the chain head, read in chain order, purge by age."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.locks import transaction_lock
from tracehouse.store.tables import audit_log, projects

#: PostgreSQL advisory lock serialising appends, so concurrent processes cannot fork the chain.
_CHAIN_LOCK = 0x6175_6469  # "audi"
_BATCH = 1000


def chain_head(conn: Connection) -> str | None:
    """The newest entry's hash, the chain locked until the transaction ends."""
    transaction_lock(conn, _CHAIN_LOCK)
    last = select(func.max(audit_log.c.entry_rowid)).scalar_subquery()
    return conn.execute(select(audit_log.c.hash).where(audit_log.c.entry_rowid == last)).scalar()


def project_where(conn: Connection, project_rowid: int) -> tuple[str | None, int | None]:
    """A project's public id and its organization (None, None once deleted)."""
    query = select(projects.c.id, projects.c.org_rowid).where(
        projects.c.project_rowid == project_rowid
    )
    row = conn.execute(query).first()
    return (row[0], row[1]) if row else (None, None)


def append(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(audit_log).values(**values))


def in_chain_order(conn: Connection) -> Iterator[Any]:
    """Every entry, oldest first, read in batches."""
    after = 0
    while True:
        rows = conn.execute(
            select(audit_log)
            .where(audit_log.c.entry_rowid > after)
            .order_by(audit_log.c.entry_rowid)
            .limit(_BATCH)
        ).mappings()
        batch = list(rows)
        yield from batch
        if len(batch) < _BATCH:
            return
        after = batch[-1]["entry_rowid"]


def entries_query(org_rowid: int, filters: dict[str, Any]) -> Select[Any]:
    """An organization's entries, newest first, narrowed by `filters`."""
    c = audit_log.c
    query = select(audit_log).where(c.org_rowid == org_rowid)
    if filters.get("from") is not None:
        query = query.where(c.created_at >= filters["from"])
    if filters.get("to") is not None:
        query = query.where(c.created_at <= filters["to"])
    for name in ("action", "actor", "project_id", "target_type", "target_id"):
        if filters.get(name):
            query = query.where(c[name] == filters[name])
    return query


def page(conn: Connection, org_rowid: int, filters: dict[str, Any], page: PageParams) -> Any:
    """One page of entries (newest first) and how many match."""
    query = entries_query(org_rowid, filters)
    rows = list(conn.execute(paginate(query, [audit_log.c.entry_rowid], page)).mappings())
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return rows, total


def newest(conn: Connection, org_rowid: int, filters: dict[str, Any], limit: int) -> Iterator[Any]:
    """Up to `limit` entries, newest first, read in batches."""
    query = entries_query(org_rowid, filters).order_by(audit_log.c.entry_rowid.desc())
    result = conn.execution_options(yield_per=_BATCH).execute(query.limit(limit))
    yield from result.mappings()


def purge_before(conn: Connection, cutoff: int) -> int:
    result = conn.execute(delete(audit_log).where(audit_log.c.created_at < cutoff))
    return int(result.rowcount)
