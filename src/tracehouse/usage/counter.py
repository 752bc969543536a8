"""API requests per project and UTC day: counted in memory by the auth dependency, added to
`usage_counters` every few seconds (and at shutdown) by each server process."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from tracehouse.clock import now_us
from tracehouse.runtime import Runtime
from tracehouse.usage import store

log = logging.getLogger(__name__)
DAY_US = 86_400_000_000
FLUSH_SECONDS = 5.0


def count(rt: Runtime, project_rowid: int) -> None:
    """One authenticated data-plane request of the project, today (UTC)."""
    now = now_us()
    with rt.usage_lock:
        rt.request_counts[(project_rowid, now - now % DAY_US)] += 1


def flush(rt: Runtime) -> None:
    with rt.usage_lock:
        counts, rt.request_counts = rt.request_counts, Counter()
    if not counts:
        return
    try:
        with rt.db.writer.begin() as conn:
            store.add_requests(conn, counts)
    except Exception:
        with rt.usage_lock:
            rt.request_counts.update(counts)  # kept for the next flush
        raise


def flush_quietly(rt: Runtime) -> None:
    """Flush, logging (not raising) a failure: for shutdown."""
    try:
        flush(rt)
    except Exception:
        log.exception("flushing API request counts failed")


async def run_forever(rt: Runtime, interval: float = FLUSH_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(flush_quietly, rt)
