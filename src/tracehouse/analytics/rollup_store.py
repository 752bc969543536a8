"""SQL of the daily roll-ups: mark days dirty (in the writer's transaction), rebuild a day,
read a range of days."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, func, insert, select

from tracehouse.store.locks import transaction_lock
from tracehouse.store.tables import (
    analytics_daily,
    analytics_daily_models,
    analytics_daily_users,
    analytics_dirty_days,
)
from tracehouse.store.upsert import upsert

DAY_US = 86_400_000_000
ROLLUPS = (analytics_daily, analytics_daily_models, analytics_daily_users)
_LOCK_BASE = 0x616E_0000_0000  # "an" + project rowid


def day_of(time_us: int) -> int:
    return time_us - time_us % DAY_US


def mark_dirty(conn: Connection, project_rowid: int, times: Iterable[int | None]) -> None:
    """Mark the days of these trace start times for a rebuild (each mark gets a new version)."""
    days = sorted({day_of(v) for v in times if v is not None})
    rows = [
        {"project_rowid": project_rowid, "day": day, "version": random.getrandbits(62)}
        for day in days
    ]
    upsert(conn, analytics_dirty_days, rows, ("project_rowid", "day"), replace=("version",))


def dirty_days(conn: Connection, project_rowid: int, first: int, end: int) -> list[Any]:
    d = analytics_dirty_days.c
    query = select(d.day, d.version).where(
        d.project_rowid == project_rowid, d.day >= first, d.day < end
    )
    return list(conn.execute(query.order_by(d.day)))


def lock(conn: Connection, project_rowid: int) -> None:
    """One rebuilder per project at a time."""
    transaction_lock(conn, _LOCK_BASE + project_rowid)


def replace_day(
    conn: Connection, project_rowid: int, day: int, rows: Mapping[Table, Sequence[dict[str, Any]]]
) -> None:
    for table in ROLLUPS:
        conn.execute(
            delete(table).where(table.c.project_rowid == project_rowid, table.c.day == day)
        )
        if rows.get(table):
            conn.execute(insert(table), list(rows[table]))


def clear_dirty(conn: Connection, project_rowid: int, day: int, version: int) -> None:
    d = analytics_dirty_days.c
    conn.execute(
        delete(analytics_dirty_days).where(
            d.project_rowid == project_rowid, d.day == day, d.version == version
        )
    )


def _range(table: Table, project_rowid: int, first: int, end: int) -> list[ColumnElement[bool]]:
    return [table.c.project_rowid == project_rowid, table.c.day >= first, table.c.day < end]


def _model(table: Table, model: str | None) -> ColumnElement[bool]:
    """The rows over every trace (None), or over the traces with a call of `model`."""
    column = table.c.trace_model
    return column.is_(None) if model is None else column == model


def _dims(table: Table, dims: dict[str, Any]) -> list[ColumnElement[bool]]:
    out = [_model(table, dims.get("model"))]
    plain = (k for k, v in dims.items() if k not in ("has_error", "model") and v is not None)
    out += [table.c[k] == dims[k] for k in plain]
    if dims.get("has_error") is not None:
        out.append(table.c.status == "error" if dims["has_error"] else table.c.status != "error")
    return out


def trace_days(
    conn: Connection, project_rowid: int, first: int, end: int, dims: dict[str, Any]
) -> list[Any]:
    a = analytics_daily
    query = select(a).where(*_range(a, project_rowid, first, end), *_dims(a, dims))
    return list(conn.execute(query))


def model_totals(
    conn: Connection, project_rowid: int, first: int, end: int, dims: dict[str, Any]
) -> list[Any]:
    m = analytics_daily_models
    sums = [
        func.sum(m.c[name]).label(name)
        for name in (
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
    ]
    query = (
        select(m.c.model, *sums)
        .where(*_range(m, project_rowid, first, end), *_dims(m, dims))
        .group_by(m.c.model)
    )
    return list(conn.execute(query))


def user_totals(
    conn: Connection, project_rowid: int, first: int, end: int, model: str | None = None
) -> list[Any]:
    u = analytics_daily_users
    sums = [
        func.sum(u.c[name]).label(name)
        for name in ("traces", "failed", "latency_count", "latency_sum", "tokens", "cost")
    ]
    query = (
        select(u.c.user_id, *sums)
        .where(*_range(u, project_rowid, first, end), _model(u, model))
        .group_by(u.c.user_id)
    )
    return list(conn.execute(query))
