"""A namespace path and every path below it (`user/alice` holds `user/alice/prefs`, not
`user/alicex`). SQLite compares text byte by byte, so there it is a range an index on the
column serves; PostgreSQL's collations need not order bytes, so there it is a LIKE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UnderPath(ColumnElement[bool]):
    """`column` is `path` or a path below it (labels separated by `/`)."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("path", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, column: ColumnElement[Any], path: str):
        self.column = column
        self.path = path


@compiles(UnderPath)
def _like(element: UnderPath, compiler: Any, **kw: Any) -> str:
    column, path = element.column, element.path
    below = column.like(_escaped(path) + "/%", escape="\\")
    text: str = compiler.process(or_(column == literal(path), below), **kw)
    return f"({text})"  # one term wherever it is combined


@compiles(UnderPath, "sqlite")
def _range(element: UnderPath, compiler: Any, **kw: Any) -> str:
    # "0" follows "/" in every encoding: `p` and the paths below it lie in [p, p0) (one range
    # an index serves), where the rest (`p-x`, `p.x`: a byte below "/") comes before "p/".
    column, path = element.column, element.path
    span = (column >= literal(path)) & (column < literal(path + "0"))
    exact = or_(column == literal(path), column > literal(path + "/"))
    text: str = compiler.process(span & exact, **kw)
    return f"({text})"  # one term wherever it is combined
