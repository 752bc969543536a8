"""The delivery thread: a buffer of encoded items bounded in items and bytes that the caller
appends to, batches sent in the background with gzip, retried with exponential backoff on
network errors, 429 and 5xx (honouring `Retry-After`), split when the server finds them too
large, flushed on demand, at exit and at the end of a `multiprocessing` child. Every item lost
is counted. Nothing here raises into the app."""

from __future__ import annotations

import atexit
import email.utils
import gzip
import logging
import os
import random
import sys
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._config import Config
from tracehouse.sdk._payload import LIST_PATHS, Item

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("tracehouse.sdk")
_GZIP_FROM_BYTES = 1024
_MAX_RETRY_AFTER = 300.0
MAX_BATCH_BYTES = 4 * 1024 * 1024  # uncompressed; the server accepts 20 MiB by default
MAX_BATCH_ITEMS = 1000  # the most traces `POST /api/v1/traces/batch` takes


def _call(method: weakref.WeakMethod[Any]) -> None:
    bound = method()
    if bound is not None:
        bound()


class _Flushed(threading.Event):
    """A marker in the queue: set once everything queued before it was handled."""


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (given as seconds or as an HTTP date), capped."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _body(items: list[Item]) -> bytes:
    if items[0][0] in LIST_PATHS:
        return b"[" + b",".join(data for _, data in items) + b"]"
    return items[0][1]


class Delivery:
    """Owns the buffer and the thread; `put` is the only call on the caller's hot path."""

    def __init__(
        self, config: Config, transport: httpx.BaseTransport | None, *, start: bool
    ) -> None:
        self.config = config
        #: Items lost for any reason: buffer full, refused by the server, given up at exit.
        self.dropped = 0
        self._reported = 0  # `dropped` when flush last told the caller
        self._transport = transport
        self._max = config.max_queue
        self._max_bytes = config.max_queue_bytes
        self._batch = config.batch_size
        self._reset()
        self._stopping = False
        self._deadline: float | None = None
        self._down = False
        self._refusals: set[int] = set()
        self._thread: threading.Thread | None = None
        if start:
            # Imported here, not on the thread: a module half-imported by another thread is
            # visible in sys.modules, and libraries that peek there (openai does) would break.
            import httpx  # noqa: F401

            self._start_thread()
            atexit.register(self.shutdown)
            after_fork = weakref.WeakMethod(self._after_fork)
            os.register_at_fork(after_in_child=lambda: _call(after_fork))
            _flush_when_child_ends(self)

    def _reset(self) -> None:
        """A fresh, empty buffer (also in a forked child: locks may be held by dead threads)."""
        self._queue: deque[Item | _Flushed] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._interrupt = threading.Event()  # cuts a backoff sleep short at shutdown
        self._episode = 0  # items dropped since the buffer filled up (0: it is not full)

    @property
    def buffered_bytes(self) -> int:
        """Bytes of encoded items waiting to be sent."""
        return self._bytes

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tracehouse", daemon=True)
        self._thread.start()

    def _after_fork(self) -> None:
        """A forked child (gunicorn, multiprocessing) has no delivery thread: start its own,
        with an empty buffer (the parent sends what it had recorded)."""
        if not self._stopping:
            self._reset()
            self.dropped = self._reported = 0
            self._start_thread()
            _flush_after_multiprocessing_fork(self)

    def put(self, item: Item) -> None:
        """Buffer an item; when the buffer is full (items or bytes) the item is dropped."""
        size = len(item[1])
        with self._lock:
            if len(self._queue) >= self._max or self._bytes + size > self._max_bytes:
                self._full()
                return
            self._bytes += size
            self._queue.append(item)
            waiting = len(self._queue)
        if waiting >= self._batch and not self._wake.is_set():
            self._wake.set()

    def _full(self) -> None:
        """Count a drop; the first of an episode is logged (its total once it ends)."""
        self.dropped += 1
        self._episode += 1
        if self._episode == 1:
            logger.warning(
                "tracehouse: delivery buffer full (%d items, %d bytes); dropping new data until "
                "the server at %s catches up",
                len(self._queue),
                self._bytes,
                self.config.host,
            )

    def lose(self, count: int) -> None:
        """Count items that could not be encoded or were refused."""
        with self._lock:
            self.dropped += count

    def flush(self, timeout: float | None) -> bool:
        """Wait until everything buffered now is handled: True if it was all delivered and
        nothing recorded since the last flush was dropped."""
        if self._thread is None or not self._thread.is_alive():
            return not self._queue and self._none_dropped()
        marker = _Flushed()
        with self._lock:
            self._queue.append(marker)
        self._wake.set()
        delivered = marker.wait(timeout)
        return self._none_dropped() and delivered

    def _none_dropped(self) -> bool:
        """Whether no item was dropped since the last time this was asked."""
        dropped = self.dropped
        none, self._reported = dropped == self._reported, dropped
        return none

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to deliver what is buffered within `timeout`, then end; no waiting."""
        if self._thread is None or self._stopping:
            return
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._stopping = True
        self._wake.set()
        self._interrupt.set()

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Deliver what is buffered within `timeout` (from the first stop), then end the thread."""
        thread = self._thread
        if thread is None:
            return not self._queue
        self.stop(timeout)
        deadline = self._deadline
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        atexit.unregister(self.shutdown)
        return not thread.is_alive() and not self._queue and self._none_dropped()

    def _run(self) -> None:
        import httpx

        client = httpx.Client(
            base_url=self.config.host,
            headers=self.config.headers(),
            timeout=self.config.timeout,
            transport=self._transport,
        )
        with client:
            while True:
                self._wake.wait(self.config.flush_interval)
                self._wake.clear()
                self._drain(client)
                if self._stopping:
                    self._abandon()
                    return

    def _abandon(self) -> None:
        """At the end: whatever is still buffered (recorded while stopping) is lost."""
        items, markers = self._take(len(self._queue), None)
        self.lose(len(items))
        for marker in markers:
            marker.set()

    def _take(self, count: int, limit: int | None) -> tuple[list[Item], list[_Flushed]]:
        """Up to `count` items (and `limit` bytes) from the head of the buffer, with the flush
        markers met on the way."""
        items: list[Item] = []
        markers: list[_Flushed] = []
        size = 0
        with self._lock:
            queue = self._queue
            while queue and len(items) < count and (limit is None or size < limit):
                item = queue.popleft()
                if isinstance(item, _Flushed):
                    markers.append(item)
                    continue
                items.append(item)
                size += len(item[1])
            self._bytes -= size
        return items, markers

    def _drain(self, client: httpx.Client) -> None:
        while self._queue:
            items, markers = self._take(min(self._batch, MAX_BATCH_ITEMS), MAX_BATCH_BYTES)
            try:
                self._send_items(client, items)
            except Exception:
                logger.exception("tracehouse: a batch could not be sent (dropped)")
                self.lose(len(items))
            self._episode_over()
            for marker in markers:
                marker.set()

    def _episode_over(self) -> None:
        """Once the buffer is half empty again, log how many items the episode dropped."""
        if not self._episode or len(self._queue) > self._max // 2:
            return
        if self._bytes < self._max_bytes // 2:
            with self._lock:
                count, self._episode = self._episode, 0
            logger.warning(
                "tracehouse: the delivery buffer has room again; %d items were dropped while "
                "it was full",
                count,
            )

    def _send_items(self, client: httpx.Client, items: list[Item]) -> None:
        """Traces first, then scores, then feedback (which needs its trace stored)."""
        by_path: dict[str, list[Item]] = {}
        for item in items:
            by_path.setdefault(item[0], []).append(item)
        for path in LIST_PATHS:
            if path in by_path:
                self._post(client, by_path.pop(path))
        for group in by_path.values():
            for item in group:
                self._post(client, [item])

    def _post(self, client: httpx.Client, items: list[Item]) -> None:
        """Send `items` as one request. A body the server finds too large (413) or invalid
        (422) is split in halves until the parts pass: a bad item costs only itself."""
        if self._given_up():
            self.lose(len(items))
            return
        status = self._deliver(client, items[0][0], _body(items))
        if status is None or status < 300:
            if status is None:
                self.lose(len(items))
            return
        if len(items) > 1 and status in (413, 422):
            half = len(items) // 2
            self._post(client, items[:half])
            self._post(client, items[half:])
        else:
            self.lose(len(items))

    def _given_up(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _deliver(self, client: httpx.Client, path: str, data: bytes) -> int | None:
        """Send one body until it is answered for good: its status, or None when giving up
        at exit."""
        headers = {"Content-Type": "application/json"}
        if self.config.gzip and len(data) >= _GZIP_FROM_BYTES:
            data = gzip.compress(data, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        attempt = 0
        while True:
            status, wait = self._send_once(client, path, data, headers)
            if status is not None and status != 429 and status < 500:
                return status
            backoff = min(self.config.max_retry_delay, 0.25 * 2 ** min(attempt, 16))
            if not self._sleep(max(wait or 0.0, backoff * random.uniform(0.5, 1.0))):
                logger.warning("tracehouse: giving up on undelivered data at shutdown")
                self._deadline = time.monotonic()  # and on the rest: no more attempts
                return None
            attempt += 1

    def _sleep(self, delay: float) -> bool:
        """Wait `delay` seconds before a retry; False if that would pass the exit deadline."""
        until = time.monotonic() + delay
        while (remaining := until - time.monotonic()) > 0:
            if self._deadline is not None and until >= self._deadline:
                return False
            if self._interrupt.wait(remaining):
                self._interrupt.clear()  # stopping: check the new deadline, then sleep on
        return True

    def _send_once(
        self, client: httpx.Client, path: str, data: bytes, headers: dict[str, str]
    ) -> tuple[int | None, float | None]:
        """One attempt: the status (None for a network error) and any `Retry-After`."""
        import httpx

        try:
            response = client.post(path, content=data, headers=headers)
        except httpx.HTTPError as exc:
            self._outage(f"{type(exc).__name__}: {exc}")
            return None, None
        status = response.status_code
        if status < 300:
            self._recovered()
        elif status == 429 or status >= 500:
            self._outage(f"HTTP {status}")
            return status, retry_after(response)
        elif status != 413:
            self._refused(status, path, response.text[:500])
        return status, None

    def _refused(self, status: int, path: str, text: str) -> None:
        """The first refusal with each status is a warning, repeats are debug messages."""
        level = logging.DEBUG if status in self._refusals else logging.WARNING
        self._refusals.add(status)
        logger.log(
            level, "tracehouse: the server refused data (HTTP %d on %s): %s", status, path, text
        )

    def _outage(self, reason: str) -> None:
        if not self._down:
            self._down = True
            logger.warning(
                "tracehouse: cannot deliver to %s (%s); buffering up to %d items (%d bytes) "
                "and retrying",
                self.config.host,
                reason,
                self._max,
                self._max_bytes,
            )

    def _recovered(self) -> None:
        if self._down:
            self._down = False
            logger.warning(
                "tracehouse: delivering to %s again (%d items dropped so far)",
                self.config.host,
                self.dropped,
            )


def _flush_when_child_ends(delivery: Delivery) -> None:
    """In a `multiprocessing` child (spawn, forkserver), flush when its work ends: children
    leave through `os._exit`, which skips `atexit`, but run multiprocessing's finalizers."""
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None and multiprocessing.parent_process() is not None:
        from multiprocessing import util

        shutdown = weakref.WeakMethod(delivery.shutdown)
        util.Finalize(None, _call, args=(shutdown,), exitpriority=100)


def _flush_after_multiprocessing_fork(delivery: Delivery) -> None:
    """After a fork: if it is a `multiprocessing` child, it clears its finalizers, then runs
    the after-fork hooks; register the flush from there."""
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.register_after_fork(delivery, _flush_when_child_ends)
