"""The retention job: purge test-key data after its days, and each project's data past its
retention. With PostgreSQL an advisory lock lets only one server process run it at a time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, select, text, true

from tracehouse.analytics import rollup_store
from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.evaluations import monitor_store
from tracehouse.memory import store as memory_store
from tracehouse.store.tables import (
    evaluation_runs,
    metric_points,
    observations,
    projects,
    scores,
    traces,
)

log = logging.getLogger(__name__)

_DAY_US = 86_400_000_000
_LOCK_ID = 0x7472_6163  # "trac"


@dataclass
class Purged:
    traces: int = 0
    observations: int = 0
    scores: int = 0
    audit_entries: int = 0
    memories: int = 0

    def add(self, other: Purged) -> None:
        self.traces += other.traces
        self.observations += other.observations
        self.scores += other.scores


def purge(
    engine: Engine, *, test_data_days: int, audit_days: int | None = None, now: int | None = None
) -> Purged:
    """Delete expired data (audit entries past `audit_days` too); returns how many rows of
    each kind went."""
    now = now_us() if now is None else now
    total = Purged()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            locked = conn.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            if not locked.scalar():
                return total
        total.add(_purge_test_data(conn, now - test_data_days * _DAY_US))
        total.audit_entries = audit.purge(conn, audit_days, now)
        # expired memory entries, and test keys' after the test-data days
        total.memories = memory_store.purge(conn, now, now - test_data_days * _DAY_US)
        for project_rowid, days in conn.execute(
            select(projects.c.project_rowid, projects.c.retention_days).where(
                projects.c.retention_days.is_not(None)
            )
        ):
            total.add(_purge_project(conn, project_rowid, now - days * _DAY_US))
    return total


def _purge_test_data(conn: Connection, cutoff: int) -> Purged:
    _mark_days(conn, _is_test(traces), traces.c.created_at < cutoff)
    runs = evaluation_runs.c  # their results go with them (ON DELETE CASCADE)
    conn.execute(delete(evaluation_runs).where(_is_test(evaluation_runs), runs.created_at < cutoff))
    points = metric_points.c
    conn.execute(delete(metric_points).where(_is_test(metric_points), points.created_at < cutoff))
    return Purged(
        *(
            int(
                conn.execute(
                    delete(table).where(_is_test(table), table.c.created_at < cutoff)
                ).rowcount
            )
            for table in (traces, observations, scores)
        )
    )


def _is_test(table: Table) -> ColumnElement[bool]:
    """`is_test = true`, spelled as the partial test-data indexes' condition so they serve."""
    return table.c.is_test == true()


def _purge_project(conn: Connection, project_rowid: int, cutoff: int) -> Purged:
    _mark_days(conn, traces.c.project_rowid == project_rowid, traces.c.start_time < cutoff)
    runs = evaluation_runs.c
    conn.execute(
        delete(evaluation_runs).where(runs.project_rowid == project_rowid, runs.created_at < cutoff)
    )
    points = metric_points.c
    conn.execute(
        delete(metric_points).where(points.project_rowid == project_rowid, points.time < cutoff)
    )
    counts = []
    for table, column in (
        (traces, "start_time"),
        (observations, "start_time"),
        (scores, "timestamp"),
    ):
        result = conn.execute(
            delete(table).where(table.c.project_rowid == project_rowid, table.c[column] < cutoff)
        )
        counts.append(int(result.rowcount))
    if counts[0]:
        monitor_store.forget(conn, project_rowid)  # the monitors' decisions on those traces
    return Purged(*counts)


def _mark_days(conn: Connection, *where: ColumnElement[bool]) -> None:
    """Mark the analytics roll-up days of the traces about to go as stale."""
    t = traces.c
    day = t.start_time - t.start_time % rollup_store.DAY_US
    found = conn.execute(select(t.project_rowid, day).where(*where).distinct()).all()
    by_project: dict[int, list[int]] = {}
    for project_rowid, start in found:
        by_project.setdefault(project_rowid, []).append(start)
    for project_rowid, starts in by_project.items():
        rollup_store.mark_dirty(conn, project_rowid, starts)


async def run_forever(
    engine: Engine, *, interval: float, test_data_days: int, audit_days: int | None = None
) -> None:
    """Run `purge` every `interval` seconds until cancelled; errors are logged, not fatal."""
    while True:
        try:
            purged = await asyncio.to_thread(
                purge, engine, test_data_days=test_data_days, audit_days=audit_days
            )
            if any(vars(purged).values()):
                log.info("retention purged %s", purged)
        except Exception:
            log.exception("retention job failed")
        await asyncio.sleep(interval)
