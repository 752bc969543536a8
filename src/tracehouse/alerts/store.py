"""SQL for alerts: the rules and channels (named rows), the claim that makes one process
evaluate a rule, the figures a rule's metric reads, and the history of state changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.clickhouse import bridge
from tracehouse.store.named import NamedTable
from tracehouse.store.tables import (
    alert_channels,
    alert_events,
    alert_rules,
    projects,
    scores,
    traces,
)
from tracehouse.traces import filters as trace_filters

RULES = NamedTable(alert_rules, "rule_rowid")
CHANNELS = NamedTable(alert_channels, "channel_rowid")
_R, _T, _S, _E = alert_rules.c, traces.c, scores.c, alert_events.c


def due(conn: Connection, now: int) -> list[Any]:
    """Enabled rules whose next evaluation time has come, most overdue first."""
    query = (
        select(alert_rules)
        .where(_R.enabled.is_(True), _R.next_evaluation_at <= now)
        .order_by(_R.next_evaluation_at)
    )
    return list(conn.execute(query).mappings())


def claim(conn: Connection, rule: Any, next_at: int) -> bool:
    """Move the rule's next evaluation on, if no other process did since it was read: the
    process whose update changed the row evaluates it."""
    moved = conn.execute(
        update(alert_rules)
        .where(
            _R.rule_rowid == rule["rule_rowid"],
            _R.next_evaluation_at == rule["next_evaluation_at"],
        )
        .values(next_evaluation_at=next_at)
    )
    return moved.rowcount == 1


def _window(project_rowid: int, filters: trace_filters.TraceFilters, span: tuple[int, int]) -> Any:
    """Conditions on `traces`: the project, the filters, the window; never test data."""
    return (
        _T.project_rowid == project_rowid,
        _T.is_test.is_(False),
        _T.start_time >= span[0],
        _T.start_time < span[1],
        *trace_filters.conditions(filters),
    )


def trace_figures(
    conn: Connection, project_rowid: int, filters: trace_filters.TraceFilters, span: tuple[int, int]
) -> dict[str, float]:
    """Count, errors, cost and tokens of the traces in the window."""
    query = select(
        func.count(),
        func.coalesce(func.sum(case((_T.status == "error", 1), else_=0)), 0),
        func.coalesce(func.sum(_T.cost), 0.0),
        func.coalesce(func.sum(_T.total_tokens), 0),
    ).where(*_window(project_rowid, filters, span))
    count, failed, cost, tokens = bridge.read(conn, query, project_rowid)[0]
    return {"traces": count, "errors": failed, "cost": float(cost), "tokens": float(tokens)}


def latencies(
    conn: Connection, project_rowid: int, filters: trace_filters.TraceFilters, span: tuple[int, int]
) -> list[float]:
    """Latencies (ms) of the traces in the window, in ascending order."""
    query = (
        select(_T.latency_ms)
        .where(*_window(project_rowid, filters, span), _T.latency_ms.is_not(None))
        .order_by(_T.latency_ms)
    )
    return [float(row[0]) for row in bridge.read(conn, query, project_rowid)]


def score_figures(
    conn: Connection,
    project_rowid: int,
    filters: trace_filters.TraceFilters,
    span: tuple[int, int],
    name: str,
    category: str | None,
) -> tuple[int, float | None, int]:
    """(scores named `name` on the window's traces, their average, how many are `category`)."""
    hit = _S.string_value == category if category is not None else _S.value.is_(None)
    query = (
        select(func.count(), func.avg(_S.value), func.sum(case((hit, 1), else_=0)))
        .select_from(
            scores.join(traces, (_T.project_rowid == _S.project_rowid) & (_T.id == _S.trace_id))
        )
        .where(_S.name == name, _S.is_test.is_(False), *_window(project_rowid, filters, span))
    )
    count, average, matching = bridge.read(conn, query, project_rowid)[0]
    return int(count), None if average is None else float(average), int(matching or 0)


def add_event(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(alert_events).values(**values))


def events(
    conn: Connection, project_rowid: int, page: PageParams, rule_rowid: int | None = None
) -> list[Any]:
    """State changes, newest first; one rule's or the project's."""
    query = (
        select(alert_events, _R.id.label("rule_id"), _R.name.label("rule_name"))
        .join(alert_rules, _R.rule_rowid == _E.rule_rowid)
        .where(_E.project_rowid == project_rowid)
    )
    if rule_rowid is not None:
        query = query.where(_E.rule_rowid == rule_rowid)
    return list(conn.execute(paginate(query, [_E.created_at, _E.event_rowid], page)).mappings())


def project_id(conn: Connection, project_rowid: int) -> str:
    """The project's public id (links in notifications name it)."""
    query = select(projects.c.id).where(projects.c.project_rowid == project_rowid)
    return str(conn.execute(query).scalar_one())
