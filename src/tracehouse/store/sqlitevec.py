"""sqlite-vec inside SQLite: loaded on each new connection when this interpreter's `sqlite3`
can load extensions (many builds cannot: then nothing happens and callers rank in numpy).
Vectors stay plain float32 blobs in ordinary tables; sqlite-vec only ranks them in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, func

#: Key in a pooled connection's `info` saying sqlite-vec is loaded there.
INFO_KEY = "sqlite_vec"


def enable(dbapi_conn: Any) -> bool:
    """Load sqlite-vec into a DB-API connection; False (silently) when it cannot be."""
    try:
        import sqlite_vec

        dbapi_conn.enable_load_extension(True)
        try:
            sqlite_vec.load(dbapi_conn)
        finally:
            dbapi_conn.enable_load_extension(False)
    except Exception:  # no module, a build without extension loading, or refused
        return False
    return True


def loaded(conn: Connection) -> bool:
    """Whether this connection ranks vectors in SQL."""
    return conn.dialect.name == "sqlite" and bool(conn.info.get(INFO_KEY))


def cosine_similarity(column: ColumnElement[Any], blob: bytes) -> ColumnElement[float]:
    """1 - sqlite-vec's cosine distance between a blob column and a query vector."""
    return (1.0 - func.vec_distance_cosine(column, blob)).cast(Float)
