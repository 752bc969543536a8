"""Database engines: SQLite gets one writer connection and a pool of readers; PostgreSQL one pool.

This module and `store/upsert.py` are the only places that know which dialect is in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from tracehouse.config import Settings
from tracehouse.store import deadline, nulchars, sqlitevec
from tracehouse.store.files import prepare_sqlite

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse


@dataclass
class Database:
    """The engines of one server: `writer` for every write, `reader` for queries."""

    writer: Engine
    reader: Engine
    is_sqlite: bool
    #: Where traces, observations and scores are when ClickHouse holds them.
    clickhouse: ClickHouse | None = None

    def dispose(self) -> None:
        if self.clickhouse is not None:
            from tracehouse.store.clickhouse import dispatch

            dispatch.detach((self.writer, self.reader))
            self.clickhouse.close()
            self.clickhouse = None
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def open_database(settings: Settings) -> Database:
    """Create the engines for the configured database (for SQLite, the private data directory
    and database file first), and connect ClickHouse when it is configured."""
    db = _relational(settings)
    target = settings.clickhouse_target
    if target is not None:
        from tracehouse.store.clickhouse import client, dispatch

        db.clickhouse = client.open_clickhouse(
            target, settings.clickhouse_cluster, async_insert=settings.clickhouse_async_insert
        )
        dispatch.attach((db.writer, db.reader), db.clickhouse)
    return db


def _relational(settings: Settings) -> Database:
    url = settings.resolved_database_url
    if not settings.is_sqlite:
        engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
        deadline.install(engine, is_sqlite=False)
        nulchars.install(engine)
        return Database(writer=engine, reader=engine, is_sqlite=False)
    prepare_sqlite(settings)
    # Page caches: the writer keeps the hot index pages; each of the 8 readers a smaller share,
    # so the process stays within a few hundred MB however many queries run at once.
    writer = _sqlite_engine(
        url, settings.sqlite_synchronous, pool_size=1, immediate=True, cache_mb=16
    )
    reader = _sqlite_engine(
        url, settings.sqlite_synchronous, pool_size=8, immediate=False, cache_mb=8
    )
    deadline.install(reader, is_sqlite=True)  # analytic reads are the readers'
    return Database(writer=writer, reader=reader, is_sqlite=True)


def _sqlite_engine(
    url: str, synchronous: str, *, pool_size: int, immediate: bool, cache_mb: int
) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    nulchars.install(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN IMMEDIATE can be issued below.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA cache_size={-1024 * cache_mb}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        # Checkpoint every ~40 MB of WAL rather than 4 MB: pages rewritten by consecutive
        # commits (index leaves, trace rows) are then copied into the database once.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA journal_size_limit=67108864")
        cursor.close()
        record.info[sqlitevec.INFO_KEY] = sqlitevec.enable(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so concurrent writers queue instead of deadlocking.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
