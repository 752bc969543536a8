"""Fan-out of trace events to subscribers: in-process for SQLite, LISTEN/NOTIFY on PostgreSQL.

On PostgreSQL the writer sends one NOTIFY inside the commit of each group (delivered only if it
commits); every server process LISTENs and hands the events to its own subscribers, so an event
from any process reaches subscribers on every process. SQLite has one process: the writer hands
the events over directly after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Connection, text

from tracehouse.live.events import Written, decode, encode
from tracehouse.store.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "tracehouse_events"
#: Events a slow subscriber may have waiting before it is dropped (it reconnects).
QUEUE_SIZE = 1_000


class Broker:
    """Subscribers per project, fed from the event loop of this process."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[dict[str, Any] | None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        for queues in self._subscribers.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

    def subscribe(self, project_rowid: int) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(project_rowid, set()).add(queue)
        return queue

    def unsubscribe(self, project_rowid: int, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        queues = self._subscribers.get(project_rowid)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[project_rowid]

    def stage(self, conn: Connection, written: list[Written]) -> None:
        """Called by the writer inside the group's transaction, before commit."""

    def committed(self, written: list[Written]) -> None:
        """Called by the writer on the event loop after the group committed."""
        self.deliver(written)

    def deliver(self, written: list[Written]) -> None:
        """Hand events to this process's subscribers (on the event loop)."""
        for item in written:
            queues = self._subscribers.get(item.project_rowid)
            if not queues:
                continue
            for kind, ids in (("trace.created", item.created), ("trace.updated", item.updated)):
                for trace_id in ids:
                    self._offer(queues, {"type": kind, "trace_id": trace_id})

    @staticmethod
    def _offer(queues: set[asyncio.Queue[dict[str, Any] | None]], event: dict[str, Any]) -> None:
        for queue in list(queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # too slow: end its stream rather than buffer forever
                queues.discard(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(None)


class PostgresBroker(Broker):
    """Events travel through PostgreSQL NOTIFY; a thread LISTENs and feeds the event loop."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self._dsn = dsn
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    async def start(self) -> None:
        await super().start()
        self._thread = threading.Thread(target=self._listen, name="tracehouse-listen", daemon=True)
        self._thread.start()
        await asyncio.get_running_loop().run_in_executor(None, self.listening.wait, 10)

    async def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5)
        await super().stop()

    def stage(self, conn: Connection, written: list[Written]) -> None:
        for payload in encode(written):
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {
                    "channel": CHANNEL,
                    "payload": payload,
                },
            )

    def committed(self, written: list[Written]) -> None:
        """Nothing: this process hears its own NOTIFY like every other process."""

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen_once()
            except Exception:  # the connection dropped: listen again after a pause
                log.exception("LISTEN %s failed; reconnecting", CHANNEL)
                self._stopping.wait(1.0)

    def _listen_once(self) -> None:
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while not self._stopping.is_set():
                for notify in conn.notifies(timeout=0.2):  # how soon stop() is noticed
                    self._hand_over(decode(notify.payload))

    def _hand_over(self, written: list[Written]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.deliver, written)


def live_broker(db: Database) -> Broker:
    """The broker for this database: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite."""
    if db.is_sqlite:
        return Broker()
    url = db.writer.url.set(drivername="postgresql")
    return PostgresBroker(url.render_as_string(hide_password=False))
