"""The pattern the management resources share (evaluators, provider credentials, evaluations,
monitors, annotation queues): get or 404, create or 409 on a taken name, change, delete, list
as a page; and the error responses their routes declare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tracehouse import errors
from tracehouse.audit import service as audit
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.store.named import NamedTable

READ_ERRORS = error_responses(
    errors.InvalidRequest,
    errors.Unauthorized,
    errors.NotFound,
    errors.ValidationFailed,
    errors.RateLimited,
)
WRITE_ERRORS = error_responses(
    errors.InvalidRequest,
    errors.Unauthorized,
    errors.Forbidden,
    errors.NotFound,
    errors.Conflict,
    errors.ValidationFailed,
    errors.RateLimited,
)


@dataclass(frozen=True)
class Resource:
    """One kind of resource: its name in messages (`evaluator`), its table and its view."""

    label: str
    table: NamedTable
    render: Callable[[Any], dict[str, Any]]

    def require(self, rt: Runtime, project_rowid: int, ref: str) -> Any:
        """The row named `ref` (id or name), or 404."""
        with rt.db.reader.connect() as conn:
            row = self.table.find(conn, project_rowid, ref)
        if row is None:
            raise errors.NotFound(f"No {self.label} {ref!r}.")
        return row

    def insert(self, conn: Connection, values: dict[str, Any]) -> None:
        """Insert in the caller's transaction; a taken name is a 409."""
        try:
            self.table.insert(conn, values)
        except IntegrityError as exc:
            article = "An" if self.label[0] in "aeiou" else "A"
            raise errors.Conflict(
                f"{article} {self.label} named {values['name']!r} exists."
            ) from exc
        self._audit(conn, "create", values, after=self._view(conn, values))

    def create(self, rt: Runtime, values: dict[str, Any]) -> dict[str, Any]:
        """Store a new row; returns its view."""
        with rt.db.writer.begin() as conn:
            self.insert(conn, values)
        return self.render(self.require(rt, values["project_rowid"], values["id"]))

    def update(self, rt: Runtime, row: Any, values: dict[str, Any]) -> dict[str, Any]:
        """Change a row found by `require`; returns its new view."""
        with rt.db.writer.begin() as conn:
            self.table.update(conn, row[self.table.rowid], values)
            self._audit(conn, "update", row, before=self.render(row), after=self._view(conn, row))
        return self.render(self.require(rt, row["project_rowid"], row["id"]))

    def delete(self, rt: Runtime, row: Any) -> None:
        with rt.db.writer.begin() as conn:
            self.table.delete(conn, row[self.table.rowid])
            self._audit(conn, "delete", row, before=self.render(row))

    def _view(self, conn: Connection, row: Any) -> dict[str, Any]:
        return self.render(self.table.find(conn, row["project_rowid"], row["id"]))

    def _audit(self, conn: Connection, verb: str, row: Any, **change: Any) -> None:
        kind = self.label.replace(" ", "_")
        target = (kind, row["id"])
        audit.record(conn, f"{kind}.{verb}", target, project_rowid=row["project_rowid"], **change)

    def page(
        self, rt: Runtime, project_rowid: int, page: PageParams | None = None
    ) -> dict[str, Any]:
        """The list envelope, newest first: one page (keyset `next_cursor`, or `offset`), or
        every row when `page` is None."""
        with rt.db.reader.connect() as conn:
            rows, total = self.table.page(conn, project_rowid, page)
        if page is None:
            meta = {"total_count": total, "has_more": False, "next_cursor": None}
            return {"data": [self.render(r) for r in rows], "meta": meta}
        rowid = self.table.rowid
        return page_body(rows, page, total, self.render, lambda r: (r["created_at"], r[rowid]))
