"""Dialect-specific multi-row upsert (insert, or merge into the row with the same key), and
plain multi-row insert.

The statement is compiled once per table and column set, then run as one driver-level
`executemany`: on the ingestion hot path this skips SQLAlchemy's per-row parameter handling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite

_Compiled = tuple[str, tuple[str, ...] | None]
_compiled: dict[tuple[Any, ...], _Compiled] = {}


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    keep_existing: Iterable[str] = (),
    replace: Iterable[str] = (),
    add: Iterable[str] = (),
) -> None:
    """Insert `rows` (all with the same columns); on a key conflict update the stored row.

    Columns in `replace` take the new value as is (the caller merged them already); every other
    non-key column keeps the stored value where the new one is NULL, so concurrent partial
    updates never erase each other. Columns in `keep_existing` are never updated; columns in
    `add` (counters) take the sum of the stored and the new value.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    signature = (
        conn.dialect.name,
        table.name,
        columns,
        tuple(keys),
        *keep_existing,
        "|",
        *replace,
        "|",
        *add,
    )
    compiled = _compiled.get(signature)
    if compiled is None:
        compiled = _compile(conn, table, columns, keys, set(keep_existing), set(replace), set(add))
        _compiled[signature] = compiled
    _run(conn, compiled, rows)


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same columns) through the same compiled-once path."""
    if not rows:
        return
    columns = tuple(rows[0])
    signature = (conn.dialect.name, table.name, columns, "insert")
    compiled = _compiled.get(signature)
    if compiled is None:
        stmt = table.insert().values({column: bindparam(column) for column in columns})
        compiled = _compiled[signature] = _rendered(conn, stmt)
    _run(conn, compiled, rows)


def _run(conn: Connection, compiled: _Compiled, rows: Sequence[dict[str, Any]]) -> None:
    sql, order = compiled
    if order is None:
        params: list[Any] = list(rows)
    elif len(order) == 1:
        params = [(row[order[0]],) for row in rows]
    else:
        params = list(map(itemgetter(*order), rows))
    conn.exec_driver_sql(sql, params)


def _compile(
    conn: Connection,
    table: Table,
    columns: tuple[str, ...],
    keys: Sequence[str],
    keep_existing: set[str],
    replace: set[str],
    add: set[str],
) -> _Compiled:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values({column: bindparam(column) for column in columns})
    updates: dict[str, Any] = {}
    for column in columns:
        if column in keys or column in keep_existing:
            continue
        new = stmt.excluded[column]
        if column in add:
            updates[column] = table.c[column] + new
        else:
            updates[column] = new if column in replace else func.coalesce(new, table.c[column])
    return _rendered(conn, stmt.on_conflict_do_update(index_elements=list(keys), set_=updates))


def _rendered(conn: Connection, stmt: Any) -> _Compiled:
    compiled = stmt.compile(dialect=conn.dialect)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return compiled.string, order
