"""SQL for monitors: definitions, the scan for traces a monitor has not decided on, and the
claims (one per monitor and trace) that make each decision happen once."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracehouse.store.clickhouse import bridge, dispatch
from tracehouse.store.clickhouse import monitors as ch_monitors
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
    on_clickhouse = dispatch.of(conn) is not None
    # on ClickHouse the watermark is an arrival time (`store.clickhouse.monitors`)
    past = _T.created_at if on_clickhouse else _T.trace_rowid
    query = trace_filters.apply(
        select(_T.trace_rowid, _T.id), monitor["project_rowid"], filters
    ).where(
        (past > monitor["watermark"]) | (_T.created_at >= since),
        _T.created_at >= monitor["created_at"],
        _T.created_at <= until,
        _T.is_test.is_(False),
        (_T.environment.is_(None)) | (_T.environment != exclude_environment),
    )
    if on_clickhouse:
        known = functools.partial(_decided, conn, monitor["monitor_rowid"])
        return ch_monitors.candidates(conn, query, monitor, known, limit)
    query = query.where(~decided)
    return list(conn.execute(query.order_by(_T.trace_rowid).limit(limit)).mappings())


def _decided(conn: Connection, monitor_rowid: int, trace_ids: list[str]) -> set[str]:
    """Those of the traces the monitor decided on (picked or sampled out)."""
    c = monitor_claims.c
    query = select(c.trace_id).where(c.monitor_rowid == monitor_rowid, c.trace_id.in_(trace_ids))
    return set(conn.execute(query).scalars())


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
    """Where a new monitor's watermark starts (an arrival time on ClickHouse)."""
    if dispatch.of(conn) is not None:
        return ch_monitors.max_arrival(conn, project_rowid)
    query = select(func.max(_T.trace_rowid)).where(_T.project_rowid == project_rowid)
    return int(conn.execute(query).scalar() or 0)


def forget(conn: Connection, project_rowid: int, trace_ids: list[str] | None = None) -> int:
    """Drop the project's monitor decisions on traces that are gone (those of `trace_ids`, just
    deleted; else every trace that no longer exists): no pass can consider them again, and a
    trace stored again under the same id is new data. Returns how many went."""
    c = monitor_claims.c
    mine = select(_M.monitor_rowid).where(_M.project_rowid == project_rowid)
    if trace_ids is None and dispatch.of(conn) is not None:
        trace_ids = _missing(conn, project_rowid, mine)
    gone: ColumnElement[bool]
    if trace_ids is not None:
        gone = c.trace_id.in_(trace_ids)
    else:
        stored = select(_T.id).where(_T.project_rowid == project_rowid, _T.id == c.trace_id)
        gone = ~stored.exists()
    return int(conn.execute(delete(monitor_claims).where(c.monitor_rowid.in_(mine), gone)).rowcount)


def _missing(conn: Connection, project_rowid: int, mine: Any) -> list[str]:
    """The traces the project's monitors decided on that ClickHouse no longer holds."""
    c = monitor_claims.c
    claimed = list(
        conn.execute(select(c.trace_id).distinct().where(c.monitor_rowid.in_(mine))).scalars()
    )
    query = select(_T.id).where(_T.project_rowid == project_rowid, _T.id.in_(claimed))
    stored = {row.id for row in bridge.read(conn, query, project_rowid)}
    return [trace_id for trace_id in claimed if trace_id not in stored]
