"""Transaction-scoped locks: a PostgreSQL advisory lock; SQLite's single writer needs none."""

from __future__ import annotations

from sqlalchemy import Connection, text


def transaction_lock(conn: Connection, key: int) -> None:
    """Hold lock `key` until the transaction ends (blocks while another transaction holds it)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
