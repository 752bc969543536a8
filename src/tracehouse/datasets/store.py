"""SQL for datasets and their time-versioned items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from tracehouse.store.tables import dataset_items, datasets


def find_dataset(
    conn: Connection,
    project_rowid: int,
    *,
    name: str | None = None,
    id: str | None = None,
    lock: bool = False,
) -> Any:
    d = datasets.c
    query = select(datasets).where(d.project_rowid == project_rowid)
    query = query.where(d.name == name) if name is not None else query.where(d.id == id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def insert_dataset(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(datasets).values(**values))


def update_dataset(conn: Connection, dataset_rowid: int, **values: Any) -> None:
    conn.execute(update(datasets).where(datasets.c.dataset_rowid == dataset_rowid).values(**values))


def delete_dataset(conn: Connection, dataset_rowid: int) -> None:
    conn.execute(delete(datasets).where(datasets.c.dataset_rowid == dataset_rowid))


def list_datasets(
    conn: Connection, project_rowid: int, limit: int, offset: int
) -> tuple[list[Any], int]:
    d = datasets.c
    query = (
        select(datasets)
        .where(d.project_rowid == project_rowid)
        .order_by(d.created_at.desc(), d.dataset_rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    total = conn.execute(
        select(func.count()).select_from(datasets).where(d.project_rowid == project_rowid)
    ).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def item_counts(conn: Connection, dataset_rowids: list[int]) -> dict[int, int]:
    i = dataset_items.c
    query = (
        select(i.dataset_rowid, func.count())
        .where(i.dataset_rowid.in_(dataset_rowids), i.valid_to.is_(None), i.status == "ACTIVE")
        .group_by(i.dataset_rowid)
    )
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def _as_of(at: int | None) -> Any:
    i = dataset_items.c
    if at is None:
        return i.valid_to.is_(None)
    return and_(i.valid_from <= at, or_(i.valid_to.is_(None), i.valid_to > at))


def current_item(conn: Connection, project_rowid: int, item_id: str) -> Any:
    i = dataset_items.c
    query = select(dataset_items).where(
        i.project_rowid == project_rowid, i.id == item_id, i.valid_to.is_(None)
    )
    return conn.execute(query).mappings().first()


def item_history(conn: Connection, project_rowid: int, item_id: str) -> list[Any]:
    i = dataset_items.c
    query = (
        select(dataset_items)
        .where(i.project_rowid == project_rowid, i.id == item_id)
        .order_by(i.valid_from)
    )
    return list(conn.execute(query).mappings())


def close_item(conn: Connection, item_rowid: int, at: int) -> None:
    conn.execute(
        update(dataset_items).where(dataset_items.c.item_rowid == item_rowid).values(valid_to=at)
    )


def insert_item(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(dataset_items).values(**values))


def list_items(
    conn: Connection,
    dataset_rowids: list[int],
    *,
    at: int | None,
    statuses: tuple[str, ...],
    limit: int,
    offset: int,
    source_trace_id: str | None = None,
    newest_first: bool = False,
) -> tuple[list[Any], int]:
    """Items as of `at` (None: now), oldest first unless `newest_first` (Langfuse's order)."""
    i = dataset_items.c
    conditions = [i.dataset_rowid.in_(dataset_rowids), _as_of(at), i.status.in_(statuses)]
    if source_trace_id is not None:
        conditions.append(i.source_trace_id == source_trace_id)
    query = (
        select(dataset_items)
        .where(*conditions)
        .order_by(
            *(
                (i.created_at.desc(), i.item_rowid.desc())
                if newest_first
                else (i.created_at, i.item_rowid)
            )
        )
        .limit(limit)
        .offset(offset)
    )
    total = conn.execute(
        select(func.count()).select_from(dataset_items).where(*conditions)
    ).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def items_by_id(conn: Connection, dataset_rowid: int, item_ids: list[str]) -> dict[str, Any]:
    """The current (or else the last) version of each item."""
    i = dataset_items.c
    query = (
        select(dataset_items)
        .where(i.dataset_rowid == dataset_rowid, i.id.in_(item_ids))
        .order_by(i.valid_from)
    )
    return {row["id"]: row for row in conn.execute(query).mappings()}


def find_dataset_by_rowid(conn: Connection, dataset_rowid: int) -> Any:
    query = select(datasets).where(datasets.c.dataset_rowid == dataset_rowid)
    return conn.execute(query).mappings().first()
