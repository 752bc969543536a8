"""Keep SQLite's query-planner statistics fresh as data grows.

Without statistics SQLite may read a trace's observations through the (project, start_time)
index, which only saves a sort, instead of the selective (project, trace_id) one: a one-trace
read then scans the whole project. `ANALYZE` with a small `analysis_limit` samples each index
in milliseconds whatever the size; it runs whenever the observation count has doubled since the
last run. PostgreSQL's autovacuum does the same by itself.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine, func, select

from tracehouse.store.engine import Database
from tracehouse.store.tables import observations

log = logging.getLogger(__name__)

#: Statistics are refreshed when the observation count reaches this, then each time it doubles.
FIRST_ANALYZE_AT = 1_000


def analyze(writer: Engine) -> None:
    with writer.begin() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit=400")
        conn.exec_driver_sql("ANALYZE")


def _size(reader: Engine) -> int:
    with reader.connect() as conn:  # not the writer: its single connection serves ingestion
        return int(conn.execute(select(func.max(observations.c.observation_rowid))).scalar() or 0)


async def run_forever(db: Database, interval: float = 5.0) -> None:
    """Check every `interval` seconds; analyze when the data has doubled since last time."""
    analyzed_at = 0
    while True:
        await asyncio.sleep(interval)
        try:
            size = await asyncio.to_thread(_size, db.reader)
            if size >= max(FIRST_ANALYZE_AT, 2 * analyzed_at):
                await asyncio.to_thread(analyze, db.writer)
                analyzed_at = size
        except Exception:
            log.exception("refreshing planner statistics failed; will retry")
