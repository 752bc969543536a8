"""The delivery thread: a bounded queue the caller appends to, batches sent in the background
with gzip, retried with exponential backoff on network errors, 429 and 5xx (honouring
`Retry-After`), flushed on demand and at exit. Nothing here raises into the app."""

from __future__ import annotations

import atexit
import gzip
import json
import logging
import os
import random
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._config import Config
from tracehouse.sdk._payload import build_requests

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("tracehouse.sdk")
_GZIP_FROM_BYTES = 1024
_MAX_RETRY_AFTER = 300.0


def _call(method: weakref.WeakMethod[Any]) -> None:
    bound = method()
    if bound is not None:
        bound()


class _Flushed(threading.Event):
    """A marker in the queue: set once everything queued before it was handled."""


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers["retry-after"]), _MAX_RETRY_AFTER)
    except (KeyError, ValueError):
        return None


class Delivery:
    """Owns the queue and the thread; `put` is the only call on the caller's hot path."""

    def __init__(
        self, config: Config, transport: httpx.BaseTransport | None, *, start: bool
    ) -> None:
        self.config = config
        self.dropped = 0
        self._transport = transport
        self._queue: deque[Any] = deque()
        self._max = config.max_queue
        self._batch = config.batch_size
        self._wake = threading.Event()
        self._interrupt = threading.Event()  # cuts a backoff sleep short at shutdown
        self._stopping = False
        self._deadline: float | None = None
        self._full_warned = False
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

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tracehouse", daemon=True)
        self._thread.start()

    def _after_fork(self) -> None:
        """A forked child (gunicorn, multiprocessing) has no delivery thread: start its own,
        with an empty queue (the parent sends what it had recorded)."""
        if not self._stopping:
            self._queue.clear()
            self._wake = threading.Event()
            self._interrupt = threading.Event()
            self._start_thread()

    def put(self, item: Any) -> None:
        """Queue an item; when the queue is full the item is dropped (one warning)."""
        queue = self._queue
        if len(queue) >= self._max:
            self.dropped += 1
            if not self._full_warned:
                self._full_warned = True
                logger.warning(
                    "tracehouse: delivery queue full (%d items); dropping new data until the "
                    "server at %s catches up",
                    self._max,
                    self.config.host,
                )
            return
        queue.append(item)
        if len(queue) >= self._batch:
            self._wake.set()

    def flush(self, timeout: float | None) -> bool:
        """Wait until everything queued now is delivered (or given up on)."""
        if self._thread is None or not self._thread.is_alive():
            return not self._queue
        marker = _Flushed()
        self._queue.append(marker)
        self._wake.set()
        return marker.wait(timeout)

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Deliver what is queued within `timeout`, then stop the thread."""
        thread = self._thread
        if thread is None or self._stopping:
            return not self._queue
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._stopping = True
        self._wake.set()
        self._interrupt.set()
        thread.join(timeout)
        atexit.unregister(self.shutdown)
        return not thread.is_alive() and not self._queue

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
                    return

    def _drain(self, client: httpx.Client) -> None:
        queue = self._queue
        while queue:
            items: list[Any] = []
            markers: list[_Flushed] = []
            while queue and len(items) < self._batch:
                item = queue.popleft()
                (markers if isinstance(item, _Flushed) else items).append(item)
            try:
                if items and not self._given_up():
                    self._send_all(client, build_requests(items, self.config))
            except Exception:
                logger.exception("tracehouse: a batch could not be sent (dropped)")
            for marker in markers:
                marker.set()

    def _given_up(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _send_all(self, client: httpx.Client, requests: list[tuple[str, Any]]) -> None:
        for path, body in requests:
            status = self._deliver(client, path, body)
            if status is None:
                return
            if status == 422 and isinstance(body, list) and len(body) > 1:
                # One bad item must not cost the whole batch: resend them one by one.
                for item in body:
                    if self._deliver(client, path, [item]) is None:
                        return

    def _deliver(self, client: httpx.Client, path: str, body: Any) -> int | None:
        """Encode and send one request; its final status, or None when giving up at exit."""
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        headers = {"Content-Type": "application/json"}
        if self.config.gzip and len(data) >= _GZIP_FROM_BYTES:
            data = gzip.compress(data, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        attempt = 0
        while True:
            status, retry_after = self._send_once(client, path, data, headers)
            if status is not None and status != 429 and status < 500:
                return status
            backoff = min(self.config.max_retry_delay, 0.25 * 2 ** min(attempt, 16))
            delay = max(retry_after or 0.0, backoff * random.uniform(0.5, 1.0))
            if self._deadline is not None and time.monotonic() + delay >= self._deadline:
                logger.warning("tracehouse: giving up on undelivered data at shutdown")
                return None
            attempt += 1
            self._interrupt.wait(delay)

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
            return status, _retry_after(response)
        else:
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
                "tracehouse: cannot deliver to %s (%s); buffering up to %d items and retrying",
                self.config.host,
                reason,
                self._max,
            )

    def _recovered(self) -> None:
        if self._down:
            self._down = False
            logger.warning(
                "tracehouse: delivering to %s again (%d items were dropped meanwhile)",
                self.config.host,
                self.dropped,
            )
        self._full_warned = False
