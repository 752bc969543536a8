"""Evaluation monitors' candidates when traces are in ClickHouse. Row ids there are hashes,
not counters, so the watermark is the trace's arrival time (`created_at`, µs) instead of the
highest `trace_rowid` read: `max_arrival` starts it, and candidates carry their `created_at` as
`trace_rowid`, which the monitor pass keeps as its watermark. The claims (relational) say
which traces a monitor already decided on: ClickHouse pages through the matching traces and
the decided ones are dropped here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Select, func, select, tuple_

from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import traces

_T = traces.c


def max_arrival(conn: Connection, project_rowid: int) -> int:
    """When the project's last trace arrived (µs; 0 without traces)."""
    query = select(func.max(_T.created_at)).where(_T.project_rowid == project_rowid)
    return int(bridge.read_scalar(conn, query, project_rowid) or 0)


def candidates(
    conn: Connection,
    matching: Select[Any],
    monitor: Any,
    decided: Callable[[list[str]], set[str]],
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` traces of `matching` (a select of the monitor's traces: filters, window,
    arrival past the watermark or within the lookback) not `decided` yet, by arrival."""
    project = monitor["project_rowid"]
    query = matching.with_only_columns(_T.id, _T.created_at.label("trace_rowid"))
    found: list[dict[str, Any]] = []
    after: tuple[int, str] | None = None
    while len(found) < limit:
        page = query if after is None else query.where(tuple_(_T.created_at, _T.id) > after)
        rows = bridge.read_mappings(conn, page.order_by(_T.created_at, _T.id).limit(limit), project)
        known = decided([row["id"] for row in rows])
        found += [row for row in rows if row["id"] not in known]
        if len(rows) < limit:
            break
        after = (rows[-1]["trace_rowid"], rows[-1]["id"])
    return found[:limit]
