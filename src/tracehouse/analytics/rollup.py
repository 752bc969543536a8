"""The daily roll-ups: rebuild dirty days from the base tables (the refresher job does it
when writes go quiet; tests and tools call `refresh`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Table

from tracehouse.analytics import rollup_store, store
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
    """Rebuild every dirty day now; returns how many were rebuilt. A day written to meanwhile
    stays dirty."""
    with db.reader.connect() as conn:
        marks = rollup_store.all_dirty(conn)
    return sum(rebuild(db, m.project_rowid, m.day, m.version) for m in marks)


def rebuild(db: Database, project_rowid: int, day: int, version: int) -> bool:
    """Rebuild one day marked dirty with `version`: its rows are computed on a reader, so the
    writer (and ingestion) waits only for the swap, which happens only if no write has marked
    the day again since `version` was read (every write marks in its own transaction, so the
    rows then reflect every write up to the mark)."""
    with db.reader.connect() as conn:
        rows = day_rows(conn, project_rowid, day)
    with db.writer.begin() as conn:
        rollup_store.lock(conn, project_rowid)
        if rollup_store.dirty_version(conn, project_rowid, day) != version:
            return False
        rollup_store.replace_day(conn, project_rowid, day, rows)
        rollup_store.clear_dirty(conn, project_rowid, day, version)
    return True


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
