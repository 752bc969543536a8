"""A column among many listed integers (rowids), bound as one text whatever their number:
SQLite reads the list with `json_each`, PostgreSQL casts it to an array. Thousands of bound
parameters, or inline literals, cost more than the query (and each a statement to compile)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

_INTEGERS = re.compile(r"[0-9]+(,[0-9]+)*")


class InListed(ColumnElement[bool]):
    """`column` is one of `integers`, given comma-separated ("1,2,3")."""

    inherit_cache = True
    # No Boolean type: SQLAlchemy would write `(...) = 1` in a SQLite WHERE clause, which
    # hides the condition from the planner.
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("integers", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], integers: str):
        if not _INTEGERS.fullmatch(integers):
            raise ValueError("expected comma-separated integers")
        self.column = column
        self.integers = bindparam(None, integers, type_=String())


@compiles(InListed)
def _as_array(element: InListed, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    integers = compiler.process(element.integers, **kw)
    return f"{column} = ANY(CAST('{{' || {integers} || '}}' AS BIGINT[]))"


@compiles(InListed, "sqlite")
def _as_json(element: InListed, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    integers = compiler.process(element.integers, **kw)
    return f"{column} IN (SELECT value FROM json_each('[' || {integers} || ']'))"
