"""SQL for monitors: definitions, the scan for traces a monitor has not decided on, and the
claims (one per monitor and trace) that make each decision happen once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracehouse.store.named import NamedTable
from tracehouse.store.tables import monitor_claims, monitors, traces
from tracehouse.traces import filters as trace_filters

_M, _T = monitors.c, traces.c


MONITORS = NamedTable(monitors, "monitor_rowid")


def enabled(conn: Connection) -> list[Any]:
    query = select(_M.project_rowid, _M.id).where(_M.enabled.is_(True)).order_by(_M.monitor_rowid)
    return list(conn.execute(query).mappings())


def candidates(
    conn: Connection,
    monitor: Any,
    filters: trace_filters.TraceFilters,
    window: tuple[int, int],
    exclude_environment: str,
    limit: int,
) -> list[Any]:
    """Matching traces the monitor has not decided on, oldest first: those past the watermark,
    and those below it that arrived within `window` (from, to: arrival times, the lookback).
    Only traces that arrived after the monitor was created and before `window[1]` (its delay);
    never test data or judge traces."""
    decided = (
        select(monitor_claims.c.trace_id)
        .where(
            monitor_claims.c.monitor_rowid == monitor["monitor_rowid"],
            monitor_claims.c.trace_id == _T.id,
        )
        .exists()
    )
    since, until = window
    query = trace_filters.apply(
        select(_T.trace_rowid, _T.id), monitor["project_rowid"], filters
    ).where(
        (_T.trace_rowid > monitor["watermark"]) | (_T.created_at >= since),
        _T.created_at >= monitor["created_at"],
        _T.created_at <= until,
        ~decided,
        _T.is_test.is_(False),
        (_T.environment.is_(None)) | (_T.environment != exclude_environment),
    )
    return list(conn.execute(query.order_by(_T.trace_rowid).limit(limit)).mappings())


def claim(
    conn: Connection,
    monitor_rowid: int,
    trace_ids: list[str],
    run_id: str | None,
    now: int,
) -> list[str]:
    """Record decisions (with `run_id`: picked for that run; None: sampled out); returns the
    trace ids this call decided on, leaving out any another pass decided on first."""
    if not trace_ids:
        return []
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "monitor_rowid": monitor_rowid,
            "trace_id": t,
            "run_id": run_id,
            "picked": run_id is not None,
            "created_at": now,
        }
        for t in trace_ids
    ]
    result = conn.execute(
        dialect_insert(monitor_claims)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(monitor_claims.c.trace_id)
    )
    return [row[0] for row in result]


def claimed_count(conn: Connection, monitor_rowid: int) -> int:
    """How many traces the monitor picked (sampled-out decisions are not counted)."""
    query = (
        select(func.count())
        .select_from(monitor_claims)
        .where(monitor_claims.c.monitor_rowid == monitor_rowid, monitor_claims.c.picked.is_(True))
    )
    return int(conn.execute(query).scalar_one())


def max_trace_rowid(conn: Connection, project_rowid: int) -> int:
    query = select(func.max(_T.trace_rowid)).where(_T.project_rowid == project_rowid)
    return int(conn.execute(query).scalar() or 0)


def forget(conn: Connection, project_rowid: int, trace_ids: list[str] | None = None) -> int:
    """Drop the project's monitor decisions on traces that are gone (those of `trace_ids`, just
    deleted; else every trace that no longer exists): no pass can consider them again, and a
    trace stored again under the same id is new data. Returns how many went."""
    c = monitor_claims.c
    mine = select(_M.monitor_rowid).where(_M.project_rowid == project_rowid)
    gone: ColumnElement[bool]
    if trace_ids is not None:
        gone = c.trace_id.in_(trace_ids)
    else:
        stored = select(_T.id).where(_T.project_rowid == project_rowid, _T.id == c.trace_id)
        gone = ~stored.exists()
    return int(conn.execute(delete(monitor_claims).where(c.monitor_rowid.in_(mine), gone)).rowcount)
