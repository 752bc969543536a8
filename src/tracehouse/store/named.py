"""SQL for project-scoped rows addressed by public id or by name (evaluators, provider
credentials, evaluations, monitors, annotation queues): find, insert, update, delete, and a
page, newest first (keyset cursor or offset)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, func, insert, select, update

from tracehouse.http.pagination import PageParams, paginate


@dataclass(frozen=True)
class NamedTable:
    """A table with `project_rowid`, `id`, `name`, `created_at` and an integer key `rowid`."""

    table: Table
    rowid: str

    @property
    def key(self) -> Column[Any]:
        return self.table.c[self.rowid]

    def find(self, conn: Connection, project_rowid: int, ref: str, *, lock: bool = False) -> Any:
        """The row whose id or name is `ref`; `lock` takes a row lock (PostgreSQL)."""
        c = self.table.c
        query = select(self.table).where(
            c.project_rowid == project_rowid, (c.id == ref) | (c.name == ref)
        )
        if lock:
            query = query.with_for_update()
        return conn.execute(query).mappings().first()

    def insert(self, conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(insert(self.table).values(**values))

    def update(self, conn: Connection, rowid: int, values: dict[str, Any]) -> None:
        conn.execute(update(self.table).where(self.key == rowid).values(**values))

    def delete(self, conn: Connection, rowid: int) -> None:
        conn.execute(delete(self.table).where(self.key == rowid))

    def page(
        self, conn: Connection, project_rowid: int, page: PageParams | None = None
    ) -> tuple[list[Any], int]:
        """(rows newest first, total count): one page (fetched with one row more, which tells
        whether more follow) by cursor or offset, or every row when `page` is None."""
        where = self.table.c.project_rowid == project_rowid
        query = select(self.table).where(where)
        keys = [self.table.c.created_at, self.key]
        if page is None:
            rows = list(conn.execute(query.order_by(*(k.desc() for k in keys))).mappings())
            return rows, len(rows)
        rows = list(conn.execute(paginate(query, keys, page)).mappings())
        total = conn.execute(select(func.count()).select_from(self.table).where(where))
        return rows, int(total.scalar_one())
