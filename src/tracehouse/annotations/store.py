"""SQL for annotation queues and their items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from tracehouse.store.named import NamedTable
from tracehouse.store.tables import annotation_items, annotation_queues

_I = annotation_items.c


QUEUES = NamedTable(annotation_queues, "queue_rowid")


def find_item(conn: Connection, queue_rowid: int, trace_id: str) -> Any:
    query = select(annotation_items).where(_I.queue_rowid == queue_rowid, _I.trace_id == trace_id)
    return conn.execute(query).mappings().first()


def insert_item(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(annotation_items).values(**values))


def items(conn: Connection, queue_rowid: int, status: str | None) -> list[Any]:
    query = select(annotation_items).where(_I.queue_rowid == queue_rowid)
    if status is not None:
        query = query.where(_I.status == status)
    return list(conn.execute(query.order_by(_I.item_rowid).limit(500)).mappings())


def item_by_id(conn: Connection, queue_rowid: int, item_id: str) -> Any:
    query = select(annotation_items).where(_I.queue_rowid == queue_rowid, _I.id == item_id)
    return conn.execute(query).mappings().first()


def complete_item(conn: Connection, item_rowid: int, values: dict[str, Any]) -> int:
    result = conn.execute(
        update(annotation_items)
        .where(_I.item_rowid == item_rowid, _I.status == "pending")
        .values(status="completed", **values)
    )
    return int(result.rowcount)
