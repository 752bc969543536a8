"""The daily roll-ups: rebuild the dirty days a read is about to use, from the base tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Table

from tracehouse.analytics import rollup_store, store
from tracehouse.analytics.sketch import Sketch
from tracehouse.clock import from_us
from tracehouse.runtime import Runtime
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


def refresh(rt: Runtime, project_rowid: int, first: int, end: int) -> None:
    """Rebuild every dirty day in [first, end) (a no-op read when none is)."""
    with rt.db.reader.connect() as conn:
        if not rollup_store.dirty_days(conn, project_rowid, first, end):
            return
    with rt.db.writer.begin() as conn:
        rollup_store.lock(conn, project_rowid)
        for mark in rollup_store.dirty_days(conn, project_rowid, first, end):
            rebuild_day(conn, project_rowid, mark.day)
            rollup_store.clear_dirty(conn, project_rowid, mark.day, mark.version)


def day_filters(day: int) -> TraceFilters:
    return TraceFilters.model_validate({"from": from_us(day), "to": from_us(day + DAY_US)})


def rebuild_day(conn: Connection, project_rowid: int, day: int) -> None:
    """The day's rows: over every trace (`trace_model` NULL), and over the traces using each
    model (a trace once per model it called: what the `model` filter reads)."""
    filters = day_filters(day)
    rows = _day_rows(conn, project_rowid, day, filters, per_model=False)
    for table, more in _day_rows(conn, project_rowid, day, filters, per_model=True).items():
        rows[table].extend(more)
    rollup_store.replace_day(conn, project_rowid, day, rows)


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
