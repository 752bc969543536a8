"""The roll-up refresher: rebuilds the analytics days that writes marked dirty, once no write
has touched a day for a whole interval, a bounded amount of work per pass.

Quiet is seen, not guessed: a day is rebuilt when its mark carries the same version in two
passes in a row (every write gives the mark a new version). During sustained ingestion the days
being written keep changing version and wait; older days are rebuilt one at a time, each pass
stopping once it has spent `budget` seconds (after at least one day), so the job takes about
budget / (budget + interval) of one core at most. Reads never rebuild (`analytics/segments.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from tracehouse.analytics import rollup, rollup_store
from tracehouse.store.engine import Database

log = logging.getLogger(__name__)

Mark = tuple[int, int]  # (project rowid, day)


def refresh_pass(db: Database, seen: dict[Mark, int], budget: float) -> dict[Mark, int]:
    """Rebuild the quiet dirty days (newest first) until `budget` seconds are spent; returns
    the marks to compare with at the next pass."""
    with db.reader.connect() as conn:
        marks = {(m.project_rowid, m.day): int(m.version) for m in rollup_store.all_dirty(conn)}
    began = time.monotonic()
    for (project_rowid, day), version in list(marks.items()):
        if seen.get((project_rowid, day)) != version:
            continue
        if rollup.rebuild(db, project_rowid, day, version):
            del marks[(project_rowid, day)]
        if time.monotonic() - began >= budget:
            break  # at least one day per pass
    return marks


async def run_forever(db: Database, *, interval: float, budget: float) -> None:
    """A pass every `interval` seconds until cancelled; errors are logged, not fatal."""
    seen: dict[Mark, int] = {}
    while True:
        await asyncio.sleep(interval)
        try:
            seen = await asyncio.to_thread(refresh_pass, db, seen, budget)
        except Exception:
            log.exception("refreshing analytics roll-ups failed; will retry")
