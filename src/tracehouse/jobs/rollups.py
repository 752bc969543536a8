"""The roll-up refresher: compacts the rows ingestion appends to each day, and rebuilds the
days that bulk deletions marked dirty once no write has touched them for a whole interval; a
bounded amount of work per pass.

Compaction: each batch appends its own rows to the days it touches (`analytics/contrib.py`);
a day is summed into one row per group once appends to it stop, or during sustained writes
once its rows have grown manyfold (`COMPACT_GROWTH`), so compaction does not compete with
ingestion for the writer.
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
#: A day is compacted once appends to it have stopped (it holds more rows than after its last
#: compaction, plus COMPACT_SLACK, and the same number as at the last pass), or, during
#: sustained writes, once it holds COMPACT_GROWTH times those rows plus COMPACT_RUNAWAY.
COMPACT_SLACK = 64
COMPACT_GROWTH = 8
COMPACT_RUNAWAY = 4096


@dataclass
class Seen:
    """What the last pass saw: the dirty marks' versions, and each day's rows after its last
    compaction (at the first pass since the server started: the days already holding one row
    per group; the others count as compacted to nothing)."""

    marks: dict[Mark, int] = field(default_factory=dict)
    compacted: dict[Mark, int] = field(default_factory=dict)
    sizes: dict[Mark, int] = field(default_factory=dict)


def refresh_pass(db: Database, seen: Seen, budget: float) -> Seen:
    """Rebuild the quiet dirty days, then compact the days due (newest first), until `budget`
    seconds are spent (after at least one day); returns what to compare with at the next pass."""
    with db.reader.connect() as conn:
        marks = {(m.project_rowid, m.day): int(m.version) for m in rollup_store.all_dirty(conn)}
        sizes = rollup_store.day_sizes(conn)
        if not seen.sizes:  # first pass: no need to compact again what a restart left compact
            groups = rollup_store.day_groups(conn)
            seen = Seen(seen.marks, {m: n for m, n in sizes.items() if groups.get(m) == n})
    began = time.monotonic()
    compacted = dict(seen.compacted)
    quiet = [(mark, version) for mark, version in marks.items() if seen.marks.get(mark) == version]
    for mark, version in quiet:
        if rollup.rebuild(db, *mark, version):
            del marks[mark]
            compacted.pop(mark, None)  # rebuilt: one row per group
        if time.monotonic() - began >= budget:
            return Seen(marks, compacted, sizes)
    due = [m for m in sizes if m not in marks and _due(m, sizes, seen)]
    for mark in sorted(due, key=lambda m: -m[1]):
        compacted[mark] = rollup.compact(db, *mark)
        if time.monotonic() - began >= budget:
            break
    return Seen(marks, compacted, sizes)


def _due(mark: Mark, sizes: dict[Mark, int], seen: Seen) -> bool:
    """Whether a day's appended rows are worth compacting now (see COMPACT_SLACK)."""
    rows, after = sizes[mark], seen.compacted.get(mark, 0)
    quiet = rows == seen.sizes.get(mark) and rows > after + COMPACT_SLACK
    return quiet or rows > COMPACT_GROWTH * after + COMPACT_RUNAWAY


async def run_forever(db: Database, *, interval: float, budget: float) -> None:
    """A pass every `interval` seconds until cancelled; errors are logged, not fatal."""
    seen = Seen()
    while True:
        await asyncio.sleep(interval)
        try:
            seen = await asyncio.to_thread(refresh_pass, db, seen, budget)
        except Exception:
            log.exception("refreshing analytics roll-ups failed; will retry")
