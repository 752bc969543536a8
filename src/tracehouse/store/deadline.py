"""The time limit of user-driven analytic reads: every statement a limited read runs stops at
its deadline (SQLite: a progress handler; PostgreSQL: `statement_timeout`), and the request
answers 503 `unavailable` with `Retry-After` instead of holding a core.

The deadline lives in a context variable, so a read that hands work to other threads carries
it with `contextvars.copy_context()` (`analytics.segments.beside` does).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

from tracehouse.config import Settings
from tracehouse.errors import Unavailable

#: SQLite virtual-machine steps between two looks at the clock: each look takes Python's lock,
#: so not too often (some 5-10 ms of work apart; more often slowed a query ~30% while another
#: thread kept the lock busy).
SQLITE_STEPS = 500_000
#: PostgreSQL's code for a statement cancelled (`statement_timeout`).
QUERY_CANCELED = "57014"

_deadline: ContextVar[float | None] = ContextVar("tracehouse_read_deadline", default=None)

P = ParamSpec("P")
R = TypeVar("R")


class HasSettings(Protocol):
    settings: Settings


S = TypeVar("S", bound=HasSettings)


def limited(read: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run `read(rt, ...)` within `rt.settings.analytics_timeout_seconds`."""

    @functools.wraps(read)
    def run(rt: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with limit(rt.settings.analytics_timeout_seconds):
            return read(rt, *args, **kwargs)

    return run


@contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Statements run in this block stop `seconds` from now (an outer, earlier deadline
    stays); past it, `Unavailable` (503) with `Retry-After`. 0: no limit."""
    if seconds <= 0:
        yield
        return
    outer = _deadline.get()
    ends = time.monotonic() + seconds
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    except OperationalError as exc:
        if not _cancelled(exc):
            raise
        raise Unavailable(
            f"The query took longer than the time limit of {seconds:g} s for analytic reads; "
            "narrow the time range or the filters, or retry later.",
            headers={"Retry-After": str(max(1, math.ceil(seconds)))},
        ) from exc
    finally:
        _deadline.reset(token)


def _cancelled(exc: OperationalError) -> bool:
    orig: Any = exc.orig
    return getattr(orig, "sqlstate", None) == QUERY_CANCELED or str(orig) == "interrupted"


def install(engine: Engine, is_sqlite: bool) -> None:
    """Apply the deadline of the block, if any, to each transaction `engine` begins."""
    event.listen(engine, "begin", _sqlite_begin if is_sqlite else _postgres_begin)


def _remaining_ms() -> int | None:
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(1, math.ceil((deadline - time.monotonic()) * 1000))


def _sqlite_begin(conn: Connection) -> None:
    dbapi: Any = conn.connection.dbapi_connection
    deadline = _deadline.get()
    if deadline is None:
        dbapi.set_progress_handler(None, 0)
        return
    dbapi.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_STEPS)


def _postgres_begin(conn: Connection) -> None:
    remaining = _remaining_ms()
    if remaining is not None:  # SET LOCAL: undone when the transaction ends
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {remaining}")
