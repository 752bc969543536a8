"""The roll-up refresher: compacts the rows ingestion appends to each day, and rebuilds the
days that bulk deletions marked dirty once no write has touched them for a whole interval; a
bounded amount of work per pass.

Compaction: each batch appends its own rows to the days it touches (`analytics/contrib.py`);
a day whose rows have doubled since it was last compacted is summed into one row per group.
Quiet is seen, not guessed: a dirty day is rebuilt when its mark carries the same version in
two passes in a row (every mark gives it a new version). Each pass stops once it has spent
`budget` seconds (after at least one day), so the job takes about budget / (budget + interval)
of one core at most. Reads never rebuild (`analytics/segments.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from tracehouse.analytics import rollup, rollup_store
from tracehouse.store.engine import Database

log = logging.getLogger(__name__)

Mark = tuple[int, int]  # (project rowid, day)
#: A day is compacted once it holds more than twice its rows after its last compaction, plus this.
COMPACT_SLACK = 64


@dataclass
class Seen:
    """What the last pass saw: the dirty marks' versions, and each day's rows after its last
    compaction (a day not seen since the server started counts as compacted to nothing)."""

    marks: dict[Mark, int] = field(default_factory=dict)
    compacted: dict[Mark, int] = field(default_factory=dict)


def refresh_pass(db: Database, seen: Seen, budget: float) -> Seen:
    """Compact the grown days, then rebuild the quiet dirty days (newest first), until
    `budget` seconds are spent; returns what to compare with at the next pass."""
    with db.reader.connect() as conn:
        marks = {(m.project_rowid, m.day): int(m.version) for m in rollup_store.all_dirty(conn)}
        sizes = rollup_store.day_sizes(conn)
    began = time.monotonic()
    compacted = dict(seen.compacted)
    grown = [m for m, n in sizes.items() if n > 2 * compacted.get(m, 0) + COMPACT_SLACK]
    for mark in sorted(grown, key=lambda m: -m[1]):
        compacted[mark] = rollup.compact(db, *mark)
        if time.monotonic() - began >= budget:
            return Seen(marks, compacted)
    for (project_rowid, day), version in list(marks.items()):
        if seen.marks.get((project_rowid, day)) != version:
            continue
        if rollup.rebuild(db, project_rowid, day, version):
            del marks[(project_rowid, day)]
            compacted.pop((project_rowid, day), None)
        if time.monotonic() - began >= budget:
            break  # at least one day per pass
    return Seen(marks, compacted)


async def run_forever(db: Database, *, interval: float, budget: float) -> None:
    """A pass every `interval` seconds until cancelled; errors are logged, not fatal."""
    seen = Seen()
    while True:
        await asyncio.sleep(interval)
        try:
            seen = await asyncio.to_thread(refresh_pass, db, seen, budget)
        except Exception:
            log.exception("refreshing analytics roll-ups failed; will retry")
