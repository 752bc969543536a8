"""Which engine answers: the store functions ask `of(conn)` once and branch to the ClickHouse
implementation when the connection's database has ClickHouse attached.

The relational engines of a `Database` with ClickHouse are registered here when it opens, so
code that only holds a relational `Connection` (every `*/store.py` function) finds ClickHouse
without a new parameter threaded through the services.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse


_attached: weakref.WeakKeyDictionary[Engine, ClickHouse] = weakref.WeakKeyDictionary()


def attach(engines: Iterable[Engine], clickhouse: ClickHouse) -> None:
    """Traces of connections of these engines are in `clickhouse` from now on."""
    for engine in engines:
        _attached[engine] = clickhouse


def detach(engines: Iterable[Engine]) -> None:
    for engine in engines:
        _attached.pop(engine, None)


def of(conn: Connection | Engine) -> ClickHouse | None:
    """The ClickHouse holding the traces of this connection's database (None: the relational
    database holds them)."""
    engine = conn.engine if isinstance(conn, Connection) else conn
    return _attached.get(engine)
