"""The evaluation worker, started with the app: every interval (or when woken by a new run) it
runs each enabled monitor's pass, then claims and processes queued runs. With PostgreSQL any
number of processes run it; claims keep each run and each monitored trace to one of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from tracehouse.evaluations import monitors, runs
from tracehouse.runtime import Runtime

log = logging.getLogger(__name__)


async def pass_once(rt: Runtime) -> None:
    """Monitors first (they queue runs), then the queue."""
    await asyncio.to_thread(monitors.scan_all, rt)
    await runs.serve_queue(rt)


async def run_forever(rt: Runtime, *, interval: float) -> None:
    """Serve until cancelled; errors are logged, never fatal."""
    while True:
        rt.evaluation_wakeup.clear()
        try:
            await pass_once(rt)
        except Exception:
            log.exception("evaluation worker pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rt.evaluation_wakeup.wait(), timeout=interval)
