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
    """The day's rows: over every trace (`trace_model` NULL), then over the traces using each
    model called that day (what the `model` filter reads)."""
    filters = day_filters(day)
    rows = _day_rows(conn, project_rowid, day, filters, None)
    for model in sorted({m["model"] for m in rows[analytics_daily_models]}):
        only = filters.model_copy(update={"model": model})
        for table, more in _day_rows(conn, project_rowid, day, only, model).items():
            rows[table].extend(more)
    rollup_store.replace_day(conn, project_rowid, day, rows)


def _day_rows(
    conn: Connection, project_rowid: int, day: int, filters: TraceFilters, model: str | None
) -> dict[Table, list[dict[str, Any]]]:
    latencies: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for row in store.latency_rows(conn, project_rowid, filters):
        latencies[(row.environment, row.name, row.status)].append(float(row.latency_ms))
    base = {"project_rowid": project_rowid, "day": day, "trace_model": model}
    return {
        analytics_daily: [
            {
                **base,
                "environment": g.environment,
                "name": g.name,
                "status": g.status,
                "traces": g.traces,
                "observations": g.observations,
                "retried": g.retried,
                "latency_count": g.latency_count,
                "latency_sum": float(g.latency_sum),
                "latency_hist": Sketch.of(latencies[(g.environment, g.name, g.status)]).dumps(),
                "tokens": g.tokens,
                "cost": float(g.cost),
            }
            for g in store.trace_groups(conn, project_rowid, filters, DAY_US, 0)
        ],
        analytics_daily_models: [
            {
                **base,
                "environment": m.environment,
                "name": m.name,
                "status": m.status,
                "model": m.model,
                **{k: getattr(m, k) for k in _MODEL_FIELDS},
            }
            for m in store.model_groups(conn, project_rowid, filters, by_dims=True)
        ],
        analytics_daily_users: [
            {**base, **u._asdict()} for u in store.user_groups(conn, project_rowid, filters)
        ],
    }
