"""Fan-out of trace events to subscribers: in-process for SQLite, LISTEN/NOTIFY on PostgreSQL.

On PostgreSQL the writer sends one NOTIFY inside the commit of each group (delivered only if it
commits; several when the ids overflow a payload); every server process LISTENs and hands each
group's events to its own subscribers, so an event from any process reaches subscribers on every
process. SQLite has one process: the writer hands the events over directly after commit. Either
way a subscriber gets a group's events as one entry of its queue.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import orjson
from sqlalchemy import Connection, text

from tracehouse.live.events import Written, continues, decode, encode
from tracehouse.store.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "tracehouse_events"
#: Other events of a project (notifications for the bell): `[project_rowid, [event, ...]]`.
NOTICES = "tracehouse_notices"
#: Events a subscriber may have waiting when the next group arrives; past it the subscriber is
#: dropped (it reconnects). A group of any size reaches a subscriber that has kept up.
MAX_BEHIND = 1_000
Events = list[dict[str, Any]]


class Subscription:
    """One subscriber's events, queued a committed group at a time, and how many wait."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Events | None] = asyncio.Queue()
        self.behind = 0

    async def get(self) -> Events | None:
        """The next group's events; None once the stream has ended."""
        return await self._queue.get()

    def sent(self) -> None:
        """One event went out."""
        self.behind -= 1

    def offer(self, events: Events) -> bool:
        """Queue a group's events, unless this subscriber is already too far behind: then end
        its stream rather than buffer without bound, and say so (False)."""
        if self.behind > MAX_BEHIND:
            self.end()
            return False
        self._queue.put_nowait(events)
        self.behind += len(events)
        return True

    def end(self) -> None:
        """Drop what waits and end the stream."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class Broker:
    """Subscribers per project, fed from the event loop of this process."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[Subscription]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.end()

    def subscribe(self, project_rowid: int) -> Subscription:
        subscription = Subscription()
        self._subscribers.setdefault(project_rowid, set()).add(subscription)
        return subscription

    def unsubscribe(self, project_rowid: int, subscription: Subscription) -> None:
        subscriptions = self._subscribers.get(project_rowid)
        if subscriptions is not None:
            subscriptions.discard(subscription)
            if not subscriptions:
                del self._subscribers[project_rowid]

    def stage(self, conn: Connection, written: list[Written]) -> None:
        """Called by the writer inside the group's transaction, before commit."""

    def committed(self, written: list[Written]) -> None:
        """Called by the writer on the event loop after the group committed."""
        self.deliver(written)

    def stage_notice(self, conn: Connection, project_rowid: int, events: Events) -> None:
        """Called inside the transaction that made `events` (before commit)."""

    def announce(self, project_rowid: int, events: Events) -> None:
        """Called from any thread after that transaction committed: hand the events to this
        process's subscribers of the project."""
        if events and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.deliver_events, project_rowid, events)

    def deliver_events(self, project_rowid: int, events: Events) -> None:
        """Offer one project's events to its subscribers (on the event loop)."""
        subscriptions = self._subscribers.get(project_rowid, set())
        for subscription in list(subscriptions):
            if not subscription.offer(events):
                subscriptions.discard(subscription)

    def deliver(self, written: list[Written]) -> None:
        """Hand a committed group's events to this process's subscribers (on the event loop):
        one queue entry per project, however many traces the group wrote."""
        listened = [item for item in written if item.project_rowid in self._subscribers]
        for project_rowid, events in _events(listened).items():
            self.deliver_events(project_rowid, events)


def _events(written: list[Written]) -> dict[int, Events]:
    by_project: dict[int, Events] = {}
    for item in written:
        events = by_project.setdefault(item.project_rowid, [])
        for kind, ids in (("trace.created", item.created), ("trace.updated", item.updated)):
            events += [{"type": kind, "trace_id": trace_id} for trace_id in ids]
        events += item.events
    return by_project


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

    def stage_notice(self, conn: Connection, project_rowid: int, events: Events) -> None:
        for event in events:  # one each: a payload stays far below NOTIFY's 8,000 bytes
            payload = orjson.dumps([project_rowid, [event]]).decode()
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTICES, "payload": payload},
            )

    def announce(self, project_rowid: int, events: Events) -> None:
        """Nothing: the NOTIFY reaches this process too."""

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
            conn.execute(f"LISTEN {NOTICES}")
            self.listening.set()
            group: list[Written] = []  # a group split over several payloads is handed over whole
            while not self._stopping.is_set():
                for notify in conn.notifies(timeout=0.2):  # how soon stop() is noticed
                    if notify.channel == NOTICES:
                        self._hand_over_notice(notify.payload)
                        continue
                    group += decode(notify.payload)
                    if not continues(notify.payload):
                        self._hand_over(group)
                        group = []

    def _hand_over_notice(self, payload: str) -> None:
        project_rowid, events = orjson.loads(payload)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.deliver_events, project_rowid, events)

    def _hand_over(self, written: list[Written]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.deliver, written)


def live_broker(db: Database) -> Broker:
    """The broker for this database: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite."""
    if db.is_sqlite:
        return Broker()
    url = db.writer.url.set(drivername="postgresql")
    return PostgresBroker(url.render_as_string(hide_password=False))
