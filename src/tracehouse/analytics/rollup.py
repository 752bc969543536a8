"""The daily roll-ups, kept current by ingestion (`contrib`), which appends each batch's
changes: here, rebuild a day from the base tables after deletions marked it dirty, and compact
a day's appended rows into one per group. The refresher job does both in the background; tests
and tools call `refresh`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Table

from tracehouse.analytics import contrib, rollup_store, store
from tracehouse.analytics.sketch import Sketch
from tracehouse.clock import from_us
from tracehouse.store.engine import Database
from tracehouse.store.tables import analytics_daily, analytics_daily_models, analytics_daily_users
from tracehouse.traces.filters import TraceFilters

DAY_US = rollup_store.DAY_US
_MODEL_FIELDS = (
    "traces",
    "calls",
    "failed_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost",
    "duration_sum",
    "duration_count",
)
_USER_FIELDS = ("user_id", "traces", "failed", "latency_count", "latency_sum", "tokens", "cost")


def refresh(db: Database) -> int:
    """Rebuild every dirty day and compact every day now; returns how many days were
    rebuilt. A day written to meanwhile stays dirty."""
    with db.reader.connect() as conn:
        marks = rollup_store.all_dirty(conn)
        days = rollup_store.day_sizes(conn)
    for project_rowid, day in days:
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


def day_filters(day: int) -> TraceFilters:
    return TraceFilters.model_validate({"from": from_us(day), "to": from_us(day + DAY_US)})


def day_rows(conn: Connection, project_rowid: int, day: int) -> dict[Table, list[dict[str, Any]]]:
    """The day's rows: over every trace (`trace_model` NULL), and over the traces using each
    model (a trace once per model it called: what the `model` filter reads)."""
    filters = day_filters(day)
    rows = _day_rows(conn, project_rowid, day, filters, per_model=False)
    for table, more in _day_rows(conn, project_rowid, day, filters, per_model=True).items():
        rows[table].extend(more)
    return rows


def _day_rows(
    conn: Connection, project_rowid: int, day: int, filters: TraceFilters, *, per_model: bool
) -> dict[Table, list[dict[str, Any]]]:
    def model(row: Any) -> Any:
        return row.trace_model if per_model else None

    latencies: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for row in store.latency_rows(conn, project_rowid, filters, per_model=per_model):
        key = (model(row), row.environment, row.name, row.status)
        latencies[key].append(float(row.latency_ms))
    base = {"project_rowid": project_rowid, "day": day}
    groups = store.trace_groups(conn, project_rowid, filters, DAY_US, 0, per_model=per_model)
    calls = store.model_groups(conn, project_rowid, filters, by_dims=True, per_model=per_model)
    users = store.user_groups(conn, project_rowid, filters, per_model=per_model)
    return {
        analytics_daily: [
            {
                **base,
                "trace_model": model(g),
                "environment": g.environment,
                "name": g.name,
                "status": g.status,
                "traces": g.traces,
                "observations": g.observations,
                "retried": g.retried,
                "latency_count": g.latency_count,
                "latency_sum": float(g.latency_sum),
                "latency_hist": Sketch.of(
                    latencies[(model(g), g.environment, g.name, g.status)]
                ).dumps(),
                "tokens": g.tokens,
                "cost": float(g.cost),
            }
            for g in groups
        ],
        analytics_daily_models: [
            {
                **base,
                "trace_model": model(m),
                "environment": m.environment,
                "name": m.name,
                "status": m.status,
                "model": m.model,
                **{k: getattr(m, k) for k in _MODEL_FIELDS},
            }
            for m in calls
        ],
        analytics_daily_users: [
            {
                **base,
                "trace_model": model(u),
                **{k: getattr(u, k) for k in _USER_FIELDS},
            }
            for u in users
        ],
    }
