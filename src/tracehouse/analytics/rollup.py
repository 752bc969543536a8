"""The daily roll-ups, kept current by ingestion (`contrib`), which appends each batch's
changes: here, rebuild a day from the base tables after deletions marked it dirty, and compact
a day's appended rows into one per group. The refresher job does both in the background; tests
and tools call `refresh`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, Table, and_, or_, select

from tracehouse.analytics import contrib, rollup_store
from tracehouse.store.engine import Database
from tracehouse.store.tables import analytics_daily, scores, traces

DAY_US = rollup_store.DAY_US


def refresh(db: Database) -> int:
    """Rebuild every dirty day and compact every other day now; returns how many days were
    rebuilt. A day written to meanwhile stays dirty."""
    with db.reader.connect() as conn:
        marks = rollup_store.all_dirty(conn)
        days = rollup_store.day_sizes(conn)
    for project_rowid, day in set(days) - {(m.project_rowid, m.day) for m in marks}:
        compact(db, project_rowid, day)
    return sum(rebuild(db, m.project_rowid, m.day, m.version) for m in marks)


def rebuild(db: Database, project_rowid: int, day: int, version: int) -> bool:
    """Rebuild one day marked dirty with `version`, unless a write has marked it again since.

    The day is read and replaced in one writer transaction holding the project's roll-ups
    (`rollup_store.lock`), so no batch appends to it in between."""
    with db.writer.begin() as conn:
        rollup_store.lock(conn, project_rowid)
        if rollup_store.dirty_version(conn, project_rowid, day) != version:
            return False
        rollup_store.replace_day(conn, project_rowid, day, day_rows(conn, project_rowid, day))
        rollup_store.clear_dirty(conn, project_rowid, day, version)
    return True


def compact(db: Database, project_rowid: int, day: int) -> int:
    """Sum the day's rows (each batch appended its own) into one per group; returns how many
    it keeps in `analytics_daily` (what `rollup_store.day_sizes` counts)."""
    with db.writer.begin() as conn:
        rollup_store.lock(conn, project_rowid)
        rows = {
            table: [
                {**row, "project_rowid": project_rowid}
                for row in contrib.consolidate(
                    table, rollup_store.day_of_table(conn, table, project_rowid, day)
                )
            ]
            for table in rollup_store.ROLLUPS
        }
        rollup_store.replace_day(conn, project_rowid, day, rows, built=False)
    return len(rows[analytics_daily])


def day_rows(conn: Connection, project_rowid: int, day: int) -> dict[Table, list[dict[str, Any]]]:
    """The day's rows: the sum of what each trace starting on the day contributes, from its
    rolled-up columns alone (`contrib`)."""
    t = traces.c
    query = select(*(t[name] for name in _STATE)).where(
        t.project_rowid == project_rowid, t.start_time >= day, t.start_time < day + DAY_US
    )
    rows = contrib.Deltas()
    for row in conn.execute(query).mappings():
        rows.add(contrib.TraceState.of(row), 1)
    for row in conn.execute(_day_scores(project_rowid, day)).mappings():
        versions = contrib.versions_of(row["metadata"], row["release"])
        rows.add_score(row["start_time"], versions, row["name"], float(row["value"]), 1)
    return rows.rows(project_rowid)


def _day_scores(project_rowid: int, day: int) -> Select[Any]:
    """The numeric scores of the traces starting on the day that name a version."""
    t, s = traces.c, scores.c
    return (
        select(t.start_time, t.metadata, t.release, s.name, s.value)
        .select_from(
            traces.join(scores, and_(s.project_rowid == t.project_rowid, s.trace_id == t.id))
        )
        .where(
            t.project_rowid == project_rowid,
            t.start_time >= day,
            t.start_time < day + DAY_US,
            s.data_type.in_(contrib.SCORED_TYPES),
            s.value.is_not(None),
            or_(t.release.is_not(None), t.metadata.like('%"vcs.ref.head.%')),
        )
    )


_STATE = (  # the columns of `contrib.TraceState.of`
    "start_time",
    "environment",
    "name",
    "status",
    "user_id",
    "latency_ms",
    "observation_count",
    "total_tokens",
    "cost",
    "retried",
    "model_calls",
    "metadata",
    "release",
)
