"""Building ClickHouse queries: conditions with server-side bound parameters, and the one
keyset pagination (the same cursors as `http.pagination`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracehouse.http.pagination import PageParams, decode_cursor

_TYPES = {bool: "Bool", int: "Int64", float: "Float64", str: "String"}


@dataclass
class Where:
    """Conditions joined with AND, and the parameters they bind."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any, kind: str | None = None) -> str:
        """A placeholder for `value` (its ClickHouse type guessed unless given)."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        if kind is None:
            kind = "Array(String)" if isinstance(value, list) else _TYPES[type(value)]
        return f"{{{name}:{kind}}}"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def equal(self, column: str, value: Any) -> None:
        if value is not None:
            self.add(f"{column} = {self.bind(value)}")

    @property
    def sql(self) -> str:
        return " AND ".join(f"({c})" for c in self.conditions) or "1"


def page_clause(where: Where, keys: list[str], page: PageParams, *, descending: bool) -> str:
    """ORDER BY, LIMIT (one more than the page, to tell `has_more`) and OFFSET; a cursor adds
    its keyset condition to `where` (call before using `where.sql`)."""
    direction = "DESC" if descending else "ASC"
    if page.cursor:
        after = decode_cursor(page.cursor, len(keys))
        bound = ", ".join(where.bind(value) for value in after)
        where.add(f"({', '.join(keys)}) {'<' if descending else '>'} ({bound})")
    order = ", ".join(f"{key} {direction}" for key in keys)
    offset = f" OFFSET {int(page.offset)}" if page.offset and not page.cursor else ""
    return f"ORDER BY {order} LIMIT {int(page.limit) + 1}{offset}"
