"""Transaction-scoped locks: a PostgreSQL advisory lock; SQLite's single writer needs none."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

_LOCK_ALL = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k")
_LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key)")


def transaction_lock(conn: Connection, key: int, *, shared: bool = False) -> None:
    """Hold lock `key` until the transaction ends (blocks while another transaction holds it;
    a `shared` hold blocks only exclusive ones, and waits only for them)."""
    if shared:
        if conn.dialect.name == "postgresql":
            conn.execute(_LOCK_SHARED, {"key": key})
        return
    transaction_locks(conn, [key])


def transaction_locks(conn: Connection, keys: Iterable[int]) -> None:
    """Hold every lock of `keys` until the transaction ends, taken in ascending order so two
    transactions locking overlapping sets never deadlock on them."""
    ordered = sorted(set(keys))
    if ordered and conn.dialect.name == "postgresql":
        conn.execute(_LOCK_ALL, {"keys": ordered})
