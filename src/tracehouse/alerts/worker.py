"""The alert job, started with the app: every interval it evaluates the rules that are due.
With PostgreSQL any number of processes run it; a claim gives each evaluation to one."""

from __future__ import annotations

import asyncio
import logging

from tracehouse.alerts import evaluate
from tracehouse.runtime import Runtime

log = logging.getLogger(__name__)


async def run_forever(rt: Runtime, *, interval: float) -> None:
    """Evaluate due rules every `interval` seconds until cancelled; errors are logged."""
    while True:
        try:
            await evaluate.evaluate_due(rt)
        except Exception:
            log.exception("alert evaluation pass failed; will retry")
        await asyncio.sleep(interval)
