"""One key of a JSON object kept in a TEXT column, as text or as a number, on both dialects:
SQLite reads it with `json_extract`, PostgreSQL casts the text to JSONB. NULL when the value is
not an object, lacks the key, or (as a number) holds something else there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal


class JsonKey(ColumnElement[Any]):
    """The value under `key` in the JSON object `column` holds: text, or a number."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("json_key", InternalTraversal.dp_clauseelement),
        ("number", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, column: ColumnElement[Any], key: str, number: bool = False):
        self.column = column
        self.json_key = literal(key, String())
        self.number = number
        self.type = Float() if number else String()


@compiles(JsonKey)
def _jsonb(element: JsonKey, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    key = compiler.process(element.json_key, **kw)
    value = f"(CAST({column} AS JSONB) -> {key})"
    if element.number:
        return (
            f"(CASE WHEN jsonb_typeof({value}) = 'number' "
            f"THEN CAST(CAST({column} AS JSONB) ->> {key} AS DOUBLE PRECISION) END)"
        )
    return f"(CAST({column} AS JSONB) ->> {key})"


@compiles(JsonKey, "sqlite")
def _json_extract(element: JsonKey, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    key = compiler.process(element.json_key, **kw)
    path = f"('$.' || json_quote({key}))"
    if element.number:
        return (
            f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
            f"THEN json_extract({column}, {path}) END)"
        )
    return f"CAST(json_extract({column}, {path}) AS TEXT)"
