"""Case-insensitive substring search: ILIKE on PostgreSQL; on SQLite plain LIKE, which ignores
ASCII case just as SQLite's `lower()` does, so it matches the same rows as the
`lower(x) LIKE lower(y)` SQLAlchemy renders for ILIKE there, at half the cost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal


class ILike(ColumnElement[bool]):
    """`column` matches the LIKE `pattern` (with `\\` as its escape), ignoring case."""

    inherit_cache = True
    # No Boolean type: SQLAlchemy would write `(...) = 1` in a SQLite WHERE clause, which
    # hides the condition from the planner.
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], pattern: str):
        self.column = column
        self.pattern = literal(pattern)


@compiles(ILike)
def _ilike(element: ILike, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.column.ilike(element.pattern, escape="\\"), **kw)
    return text


@compiles(ILike, "sqlite")
def _like(element: ILike, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.column.like(element.pattern, escape="\\"), **kw)
    return text
