"""Decode and map OTLP span exports in worker processes, so ingestion uses more than one core.

Decompressing, decoding protobuf and mapping the conventions is pure CPU work (most of an
OTLP span's cost). Done on the event loop it competes for one core with the writer, which
holds the GIL while it merges rows. A small process pool does it instead: a worker turns the
raw body into the batch's column changes and takes them as far as it can without the database
(`ingest.shipping`: new rows' derived columns and prices, JSON columns encoded); the writer then
merges and commits them as any other batch. With no workers (`otlp_workers = 0`) the changes
are prepared in-process.

Workers import only this module's light dependencies (protobuf, orjson, the mapping), never
the web or database stack. If a worker dies, the pool is rebuilt and the request is prepared
in-process, so a crash costs time, never a 500; when the server process ends, its workers
notice and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tracehouse.clock import now_us
from tracehouse.conventions import map_spans
from tracehouse.ingest.merge import Changes, changes_of
from tracehouse.ingest.shipping import Shipment, ship
from tracehouse.masking.engine import Masker
from tracehouse.otlp import decode

log = logging.getLogger(__name__)
_PARENT_POLL_SECONDS = 0.5

#: (changes, rejected span count, rejection message)
Prepared = tuple[Changes, int, str]

_DECODERS: dict[str, Callable[[bytes], decode.Decoded[Any]]] = {
    decode.PROTOBUF: decode.spans_from_protobuf,
    decode.JSON: decode.spans_from_json,
}


def prepare_spans(
    media: str, encoding: str | None, body: bytes, limit: int, masker: Masker | None = None
) -> Prepared:
    """Raw request body → the column changes it sets, masked with the project's rules
    (raises `InvalidRequest` & co)."""
    decoded = _DECODERS[media](decode.decompress(body, encoding, limit))
    return changes_of(map_spans(decoded.items), masker), decoded.rejected, decoded.message


def _prepare_shipped(
    media: str, encoding: str | None, body_path: str, limit: int, masker: Masker | None = None
) -> tuple[str, int, str]:
    """The worker's entry point: the body is read from `body_path` and the prepared shipment
    written to a file beside it, whose path is returned (see `_spill`)."""
    body = _take(body_path)
    changes, rejected, message = prepare_spans(media, encoding, body, limit, masker)
    shipment = pickle.dumps(ship(changes, now_us()), protocol=pickle.HIGHEST_PROTOCOL)
    return _spill(shipment), rejected, message


def _spill(data: bytes) -> str:
    """Write `data` to a new file in memory-backed storage; returns its path.

    Bodies and shipments are megabytes: through a pipe they travel in 64 KB chunks, each
    needing the receiving process's GIL, and a busy writer thread in the server holds that
    for milliseconds, so the worker sat idle a third of the time. A file is one system
    call on each side."""
    fd, path = tempfile.mkstemp(prefix="tracehouse-otlp-", dir=_SPILL_DIR)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def _take(path: str) -> bytes:
    """The content of a spilled file, which is removed."""
    try:
        with open(path, "rb") as source:
            return source.read()
    finally:
        os.unlink(path)


def _spill_dir() -> str | None:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


_SPILL_DIR = _spill_dir()


#: One pool per worker count for the whole process: the work is pure, so every app in the
#: process (tests start many) can share the workers instead of spawning its own.
_pools: dict[int, ProcessPoolExecutor] = {}


async def prepare(
    media: str,
    encoding: str | None,
    body: bytes,
    limit: int,
    *,
    workers: int,
    masker: Masker | None = None,
) -> tuple[Changes | Shipment, int, str]:
    """`prepare_spans` in one of `workers` processes (started on first use), or in-process."""
    if workers <= 0:
        return prepare_spans(media, encoding, body, limit, masker)
    loop = asyncio.get_running_loop()
    body_path = _spill(body)
    try:
        shipment_path, rejected, message = await loop.run_in_executor(
            _pool(workers), _prepare_shipped, media, encoding, body_path, limit, masker
        )
    except BrokenProcessPool:
        log.warning("an OTLP worker process died; restarting the pool")
        _pools.pop(workers, None)
        return prepare_spans(media, encoding, body, limit, masker)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(body_path)  # the worker removes it, unless it failed before
    shipment: Shipment = pickle.loads(_take(shipment_path))
    return shipment, rejected, message


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _pools.get(workers)
    if pool is None:
        # spawn, not fork: the server process holds threads and database connections.
        context = multiprocessing.get_context("spawn")
        pool = _pools[workers] = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_watch_parent,
            initargs=(os.getpid(),),
        )
    return pool


def start(workers: int) -> None:
    """Start the workers now (at server start) rather than on the first export. They are born
    ignoring Ctrl-C, which the terminal sends them too: the server stops them in order."""
    if workers > 0:
        pool = _pool(workers)
        with _sigint_ignored():
            for _ in range(workers):
                pool.submit(warm_up)


def stop() -> None:
    """Stop every pool's workers and wait for them (the server process is ending): their
    queues' semaphores are released, not left for the resource tracker to report."""
    while _pools:
        _, pool = _pools.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def warm_up() -> None:
    """Nothing: submitted once per worker at start, so that starting and importing are done
    before the first export arrives."""


def _watch_parent(parent: int) -> None:
    """Runs in each worker: ignore Ctrl-C (the server stops its workers), and exit when the
    server process is gone (killed, it never tells its workers)."""

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="tracehouse-parent-watch", daemon=True).start()
