"""The one pagination helper: limit, opaque keyset cursors (stable as data arrives), offset."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, tuple_

from tracehouse.errors import InvalidRequest


class PageParams(BaseModel):
    """`limit` 1-200 (default 50); a `cursor` from the last `meta.next_cursor`, or `offset`."""

    limit: int = Field(50, ge=1, le=200, description="Items per page, 1-200.")
    cursor: str | None = Field(None, description="`meta.next_cursor` of the previous page.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Items to skip (when no cursor).")


PageQuery = Annotated[PageParams, Query()]


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidRequest("Invalid cursor.", {"field": "cursor"}) from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidRequest("Invalid cursor.", {"field": "cursor"})
    return values


def paginate(
    query: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    page: PageParams,
    *,
    descending: bool = True,
    grouped: bool = False,
) -> Select[Any]:
    """Order `query` by `keys` (the last one unique) and apply the cursor or offset and limit;
    `grouped`: the keys are aggregates of a grouped query (the cursor goes in HAVING)."""
    order = [key.desc() if descending else key.asc() for key in keys]
    query = query.order_by(*order).limit(page.limit + 1)
    if page.cursor:
        after = decode_cursor(page.cursor, len(keys))
        row = tuple_(*keys)
        past = row < tuple_(*after) if descending else row > tuple_(*after)
        query = query.having(past) if grouped else query.where(past)
    elif page.offset:
        query = query.offset(page.offset)
    return query


def page_body(
    rows: Sequence[Any],
    page: PageParams,
    total: int,
    render: Callable[[Any], dict[str, Any]],
    cursor_values: Callable[[Any], Sequence[Any]],
) -> dict[str, Any]:
    """The list envelope: {"data": [...], "meta": {"total_count", "has_more", "next_cursor"}}."""
    has_more = len(rows) > page.limit
    shown = rows[: page.limit]
    next_cursor = encode_cursor(cursor_values(shown[-1])) if has_more and shown else None
    return {
        "data": [render(row) for row in shown],
        "meta": {"total_count": total, "has_more": has_more, "next_cursor": next_cursor},
    }
