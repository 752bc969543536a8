"""Keep SQLite's query-planner statistics fresh as data grows.

Without statistics SQLite may read a trace's observations through the (project, start_time)
index, which only saves a sort, instead of the selective (project, trace_id) one: a one-trace
read then scans the whole project. `ANALYZE` runs whenever the observation count has doubled
since the statistics were gathered (also across restarts: the stored statistics say at what
count), so its cost adds up to about twice one run over the final data (some 0.5 s for a
300 MB database, during which the writer waits). It reads every index whole: a sampled run
(`analysis_limit`) estimates a few hundred rows per project, and the planner then scans a
project by time for a 5-trace session or a user's traces instead of using their indexes.
PostgreSQL's autovacuum does the same by itself.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from tracehouse.store.engine import Database
from tracehouse.store.tables import observations

log = logging.getLogger(__name__)

#: Statistics are refreshed when the observation count reaches this, then each time it doubles.
FIRST_ANALYZE_AT = 1_000


def analyze(db: Database) -> None:
    """Gather the statistics, then renew the reader connections: a SQLite connection keeps
    the statistics it loaded with the schema, which a new ANALYZE does not change."""
    with db.writer.begin() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit=0")
        conn.exec_driver_sql("ANALYZE")
    if db.reader is not db.writer:
        db.reader.dispose()  # connections in use are closed when given back


def analyzed_size(reader: Engine) -> int:
    """How many observations the stored statistics were gathered over (0: none yet)."""
    stored = "SELECT stat FROM sqlite_stat1 WHERE tbl = 'observations' AND idx IS NOT NULL"
    with reader.connect() as conn:
        try:
            row = conn.exec_driver_sql(stored).first()
        except OperationalError:  # no statistics table until the first ANALYZE
            return 0
    return int(str(row[0]).split()[0]) if row else 0


def _size(reader: Engine) -> int:
    with reader.connect() as conn:  # not the writer: its single connection serves ingestion
        return int(conn.execute(select(func.max(observations.c.observation_rowid))).scalar() or 0)


async def run_forever(db: Database, interval: float = 5.0) -> None:
    """Check every `interval` seconds; analyze when the data has doubled since last time."""
    analyzed_at = await asyncio.to_thread(analyzed_size, db.reader)
    while True:
        await asyncio.sleep(interval)
        try:
            size = await asyncio.to_thread(_size, db.reader)
            if size >= max(FIRST_ANALYZE_AT, 2 * analyzed_at):
                await asyncio.to_thread(analyze, db)
                analyzed_at = size
        except Exception:
            log.exception("refreshing planner statistics failed; will retry")
