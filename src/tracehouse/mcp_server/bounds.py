"""Size bounds of tool results: long text cut, pages cut to a character budget, offset cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from tracehouse.http.pagination import PageParams, decode_cursor, encode_cursor

#: Longest text kept in one field of a result; the rest is replaced by a marker.
FIELD_CHARS = 2_000
#: Most characters of JSON one tool result holds; a page is cut (with a cursor) to fit.
RESULT_CHARS = 24_000
#: Most items one page asks for; most spans one page of a trace tree shows.
MAX_LIMIT = 100
MAX_SPANS = 200


def clip(value: Any, limit: int = FIELD_CHARS) -> Any:
    """`value` with every string longer than `limit` cut, and the cut marked."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return f"{value[:limit]}… [{len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {k: clip(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [clip(v, limit) for v in value]
    return value


def size(value: Any) -> int:
    """Characters of `value` as JSON."""
    return len(orjson.dumps(value, default=str))


def page(cursor: str | None, limit: int, most: int = MAX_LIMIT) -> PageParams:
    """The page an MCP cursor (an opaque offset) and a limit ask for."""
    offset = int(decode_cursor(cursor, 1)[0]) if cursor else 0
    return PageParams(limit=max(1, min(limit, most)), offset=offset)


def fit(
    items: Sequence[Any],
    asked: PageParams,
    total: int | None,
    render: Callable[[Any], dict[str, Any]] = lambda item: item,
    budget: int = RESULT_CHARS,
) -> dict[str, Any]:
    """`{"items", "total", "next_cursor"}` with the items (clipped) that fit in `budget`; the
    cursor resumes at the first item left out, or after the page when more may follow."""
    shown: list[Any] = []
    used = 0
    for item in items[: asked.limit]:
        body = clip(render(item))
        used += size(body)
        if shown and used > budget:
            break
        shown.append(body)
    following = asked.offset + len(shown)
    more = len(shown) < len(items) if total is None else following < total
    return {
        "items": shown,
        "total": total,
        "next_cursor": encode_cursor([following]) if more else None,
    }
