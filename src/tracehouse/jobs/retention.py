"""The retention job: purge test-key data after its days, and each project's data past its
retention. With PostgreSQL an advisory lock lets only one server process run it at a time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, select, text, true

from tracehouse.analytics import rollup_store
from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.evaluations import monitor_store
from tracehouse.memory import store as memory_store
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse import partitions as ch_partitions
from tracehouse.store.clickhouse import purge as ch_purge
from tracehouse.store.tables import (
    evaluation_runs,
    metric_points,
    observations,
    projects,
    scores,
    traces,
)

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

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
    each kind went. Traces, observations and scores go from ClickHouse when it holds them."""
    now = now_us() if now is None else now
    total = Purged()
    cutoff = now - test_data_days * _DAY_US
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            locked = conn.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            if not locked.scalar():
                return total
        clickhouse = dispatch.of(conn)
        if clickhouse is None:
            total.add(_purge_test_data(conn, cutoff))
        else:  # no roll-up days to mark: ClickHouse's roll-ups are exact at every write
            _drop_partitions(conn, clickhouse, now, cutoff, total)
            total.add(Purged(*ch_purge.purge_test_data(clickhouse, cutoff)))
            _purge_test_runs(conn, cutoff)
        total.audit_entries = audit.purge(conn, audit_days, now)
        # expired memory entries, and test keys' after the test-data days
        total.memories = memory_store.purge(conn, now, cutoff)
        for project_rowid, days in _retained(conn):
            if clickhouse is None:
                total.add(_purge_project(conn, project_rowid, now - days * _DAY_US))
            else:
                total.add(_purge_clickhouse(conn, clickhouse, project_rowid, now - days * _DAY_US))
    return total


def _drop_partitions(
    conn: Connection, clickhouse: ClickHouse, now: int, test_cutoff: int, total: Purged
) -> None:
    """Drop the ClickHouse partitions whose every row is past its retention, before the
    row-by-row purges of the rest (`store.clickhouse.partitions`)."""
    projects = {rowid: now - days * _DAY_US for rowid, days in _retained(conn)}
    dropped = ch_partitions.drop_expired(clickhouse, ch_partitions.Cutoffs(test_cutoff, projects))
    total.add(Purged(dropped.traces, dropped.observations, dropped.scores))
    for project_rowid in dropped.projects:
        monitor_store.forget(conn, project_rowid)


def _retained(conn: Connection) -> list[tuple[int, int]]:
    """(project rowid, retention days) of the projects with a retention."""
    p = projects.c
    query = select(p.project_rowid, p.retention_days).where(p.retention_days.is_not(None))
    return [(int(rowid), int(days)) for rowid, days in conn.execute(query)]


def _purge_test_runs(conn: Connection, cutoff: int) -> None:
    """Test-key evaluation runs and metric points."""
    runs = evaluation_runs.c  # their results go with them (ON DELETE CASCADE)
    conn.execute(delete(evaluation_runs).where(_is_test(evaluation_runs), runs.created_at < cutoff))
    points = metric_points.c
    conn.execute(delete(metric_points).where(_is_test(metric_points), points.created_at < cutoff))


def _purge_test_data(conn: Connection, cutoff: int) -> Purged:
    _mark_days(conn, _is_test(traces), traces.c.created_at < cutoff)
    _purge_test_runs(conn, cutoff)
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


def _purge_clickhouse(
    conn: Connection, clickhouse: ClickHouse, project_rowid: int, cutoff: int
) -> Purged:
    """`_purge_project` when ClickHouse holds the traces."""
    gone = Purged(*ch_purge.purge_project(clickhouse, project_rowid, cutoff))
    runs, points = evaluation_runs.c, metric_points.c
    conn.execute(
        delete(evaluation_runs).where(runs.project_rowid == project_rowid, runs.created_at < cutoff)
    )
    conn.execute(
        delete(metric_points).where(points.project_rowid == project_rowid, points.time < cutoff)
    )
    if gone.traces:
        monitor_store.forget(conn, project_rowid)
    return gone


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
