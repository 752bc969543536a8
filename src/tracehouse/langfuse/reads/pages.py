"""What Langfuse's list endpoints share: page-based bodies with their totals, and cursor pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from tracehouse.http.pagination import PageParams, page_body, paginate
from tracehouse.langfuse import render
from tracehouse.langfuse.params import PageQuery
from tracehouse.runtime import Runtime


def page(rows: list[dict[str, Any]], query: PageQuery, total: int) -> dict[str, Any]:
    return {"data": rows, "meta": render.page_meta(query.page, query.limit, total)}


def count(conn: Connection, table: Any, conditions: list[ColumnElement[bool]]) -> int:
    return int(
        conn.execute(select(func.count()).select_from(table).where(*conditions)).scalar_one()
    )


def cursor_page(
    rt: Runtime,
    statement: Select[Any],
    keys: tuple[Any, Any],
    limit: int,
    cursor: str | None,
    render_row: Callable[[Any], dict[str, Any]],
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of Langfuse's cursor endpoints (newest first): items and the next cursor."""
    page = PageParams.model_construct(limit=limit, cursor=cursor, offset=0)
    with rt.db.reader.connect() as conn:
        rows = list(conn.execute(paginate(statement, keys, page)).mappings())
    body = page_body(rows, page, 0, render_row, lambda r: [r[key.name] for key in keys])
    return body["data"], body["meta"]["next_cursor"]
