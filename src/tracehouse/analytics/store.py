"""SQL of the analytics reads: aggregates over traces (the covering index
`ix_traces_analytics`), model calls over observations, failed steps, the slow threshold."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
)

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.tables import analytics_settings, observations, traces
from tracehouse.store.upsert import upsert
from tracehouse.traces import filters as trace_filters
from tracehouse.traces.filters import TraceFilters

t = traces.c
_ERROR: ColumnElement[str] = literal_column(
    "'ERROR'"
)  # inline, so the planner matches the partial index
LIST_COLUMNS = (
    t.trace_rowid,
    t.id,
    t.name,
    t.start_time,
    t.end_time,
    t.latency_ms,
    t.status,
    t.status_message,
    t.user_id,
    t.session_id,
    t.environment,
    t.error_count,
    t.observation_count,
    t.total_tokens,
    t.cost,
    t.models,
)


def _traces(project_rowid: int, filters: TraceFilters, *columns: Any) -> Select[Any]:
    return trace_filters.apply(select(*columns).select_from(traces), project_rowid, filters)


def _per_model(
    query: Select[Any], project_rowid: int, filters: TraceFilters, on: bool
) -> tuple[Select[Any], list[Any]]:
    """With `on`, the query over the traces once per model each trace called (its rows grouped
    by that model too, as `trace_model`): what the roll-ups keep for the `model` filter."""
    if not on:
        return query, []
    o = observations.alias("used")
    used = trace_filters.apply(
        select(o.c.trace_id, o.c.model)
        .distinct()
        .select_from(
            traces.join(o, and_(o.c.project_rowid == t.project_rowid, o.c.trace_id == t.id))
        )
        .where(o.c.model.is_not(None)),
        project_rowid,
        filters,
    ).subquery("trace_models")
    model = used.c.model.label("trace_model")
    query = query.join(used, used.c.trace_id == t.id).add_columns(model)
    return query, [used.c.model]


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def latencies(conn: Connection, project_rowid: int, filters: TraceFilters) -> list[float]:
    """Every known trace latency in the range, ascending."""
    query = _traces(project_rowid, filters, t.latency_ms).where(t.latency_ms.is_not(None))
    values: list[float] = list(conn.execute(query).scalars())
    values.sort()
    return values


def count_over(
    conn: Connection, project_rowid: int, filters: TraceFilters, threshold: float | None
) -> int:
    if threshold is None:
        return 0
    query = _traces(project_rowid, filters, func.count()).where(t.latency_ms > threshold)
    return int(conn.execute(query).scalar_one())


def retried() -> ColumnElement[bool]:
    """The trace has a retry: a step repeated (same parent and name) at or after a failed one."""
    failed, again = observations.alias("failed"), observations.alias("again")
    same_step = and_(
        again.c.project_rowid == failed.c.project_rowid,
        again.c.trace_id == failed.c.trace_id,
        again.c.name == failed.c.name,
        again.c.id != failed.c.id,
        again.c.start_time >= failed.c.start_time,
        or_(
            again.c.parent_id == failed.c.parent_id,
            and_(again.c.parent_id.is_(None), failed.c.parent_id.is_(None)),
        ),
    )
    return and_(
        t.error_count > 0,
        exists(
            select(1)
            .select_from(failed.join(again, same_step))
            .where(
                failed.c.project_rowid == t.project_rowid,
                failed.c.trace_id == t.id,
                failed.c.level == _ERROR,
            )
        ),
    )


def count_where(
    conn: Connection, project_rowid: int, filters: TraceFilters, condition: ColumnElement[bool]
) -> int:
    query = _traces(project_rowid, filters, func.count()).where(condition)
    return int(conn.execute(query).scalar_one())


def list_where(
    conn: Connection,
    project_rowid: int,
    filters: TraceFilters,
    condition: ColumnElement[bool],
    page: PageParams,
) -> list[Any]:
    """A page of traces meeting `condition`, newest first."""
    query = _traces(project_rowid, filters, *LIST_COLUMNS).where(condition)
    return list(conn.execute(paginate(query, [t.start_time, t.trace_rowid], page)).mappings())


def first_errors(conn: Connection, project_rowid: int, trace_ids: Iterable[str]) -> dict[str, Any]:
    """{trace id: its earliest ERROR observation (type, name, message, time)}."""
    o = observations.c
    ids = sorted(set(trace_ids))
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(o.trace_id, o.id, o.type, o.name, o.status_message, o.start_time)
            .where(o.project_rowid == project_rowid, o.trace_id.in_(ids[start : start + 500]))
            .where(o.level == _ERROR)
            .order_by(o.trace_id, o.start_time.desc(), o.observation_rowid.desc())
        )
        for row in conn.execute(query):
            found[row.trace_id] = row  # the last one written per trace is the earliest
    return found


def slow_threshold(conn: Connection, project_rowid: int) -> float | None:
    query = select(analytics_settings.c.slow_threshold_ms).where(
        analytics_settings.c.project_rowid == project_rowid
    )
    value = conn.execute(query).scalar()
    return None if value is None else float(value)


def set_slow_threshold(conn: Connection, project_rowid: int, value: float | None, now: int) -> None:
    row = {"project_rowid": project_rowid, "slow_threshold_ms": value, "updated_at": now}
    upsert(conn, analytics_settings, [row], ("project_rowid",), replace=tuple(row))


def error_messages(
    conn: Connection, project_rowid: int, filters: TraceFilters, limit: int
) -> list[Any]:
    """Failed traces (newest first, at most `limit`), each with its first failed step:
    id, name, start_time, status_message, step_id, step_type, step_name, step_message."""
    failed = (
        _traces(project_rowid, filters, t.project_rowid, t.id, t.name, t.start_time)
        .add_columns(t.status_message)
        .where(t.status == "error")
        .order_by(t.start_time.desc())
        .limit(limit)
        .subquery()
    )
    o = observations.c
    step = and_(o.project_rowid == failed.c.project_rowid, o.trace_id == failed.c.id)
    query = (
        select(
            failed.c.id,
            failed.c.name,
            failed.c.start_time,
            failed.c.status_message,
            o.id.label("step_id"),
            o.type.label("step_type"),
            o.name.label("step_name"),
            o.status_message.label("step_message"),
        )
        .select_from(failed.outerjoin(observations, and_(step, o.level == _ERROR)))
        .order_by(failed.c.start_time.desc(), failed.c.id, o.start_time, o.observation_rowid)
    )
    rows: dict[str, Any] = {}
    for row in conn.execute(query):
        rows.setdefault(row.id, row)  # the first is the earliest failed step
    return list(rows.values())


def trace_groups(
    conn: Connection,
    project_rowid: int,
    filters: TraceFilters,
    width: int,
    offset: int,
    *,
    per_model: bool = False,
) -> list[Any]:
    """Per chart bucket (`width` µs, aligned at `offset`), environment, name and status:
    traces, retried traces, latency count and sum, tokens, cost."""
    bucket = ((t.start_time - offset) // width * width + offset).label("bucket")
    dims = (bucket, t.environment, t.name, t.status)
    query = _traces(
        project_rowid,
        filters,
        *dims,
        func.count().label("traces"),
        func.coalesce(func.sum(t.observation_count), 0).label("observations"),
        _count_if(retried()).label("retried"),
        func.count(t.latency_ms).label("latency_count"),
        func.coalesce(func.sum(t.latency_ms), 0.0).label("latency_sum"),
        func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
        func.coalesce(func.sum(t.cost), 0.0).label("cost"),
    )
    query, more = _per_model(query, project_rowid, filters, per_model)
    return list(conn.execute(query.group_by(*dims, *more)))


def latency_rows(
    conn: Connection, project_rowid: int, filters: TraceFilters, *, per_model: bool = False
) -> list[Any]:
    """(environment, name, status, latency) of every trace with a known latency."""
    query = _traces(project_rowid, filters, t.environment, t.name, t.status, t.latency_ms).where(
        t.latency_ms.is_not(None)
    )
    return list(conn.execute(_per_model(query, project_rowid, filters, per_model)[0]))


def model_groups(
    conn: Connection,
    project_rowid: int,
    filters: TraceFilters,
    *,
    by_dims: bool = False,
    per_model: bool = False,
) -> list[Any]:
    """Per model (and environment, name, status of the trace when `by_dims`): traces, calls,
    failed calls, tokens, cost and call durations of the model calls (observations with a
    model) of the traces meeting the filters (by the trace's start time)."""
    # An alias: the `model` trace filter's own EXISTS over observations must not correlate here.
    calls = observations.alias("calls")
    o = calls.c
    dims = [o.model, *((t.environment, t.name, t.status) if by_dims else ())]
    query = (
        select(
            *dims,
            func.count(func.distinct(t.id)).label("traces"),
            func.count().label("calls"),
            _count_if(o.level == _ERROR).label("failed_calls"),
            func.coalesce(func.sum(o.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(o.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(o.total_tokens), 0).label("total_tokens"),
            func.coalesce(
                func.sum(func.coalesce(o.reported_total_cost, o.computed_total_cost)), 0.0
            ).label("cost"),
            func.coalesce(func.sum((o.end_time - o.start_time) / 1000.0), 0.0).label(
                "duration_sum"
            ),
            func.count(o.end_time).label("duration_count"),
        )
        .select_from(
            traces.join(
                calls,
                and_(o.project_rowid == t.project_rowid, o.trace_id == t.id),
            )
        )
        .where(t.project_rowid == project_rowid, o.model.is_not(None))
        .where(*trace_filters.conditions(filters))
    )
    query, more = _per_model(query, project_rowid, filters, per_model)
    return list(conn.execute(query.group_by(*dims, *more)))


def user_groups(
    conn: Connection, project_rowid: int, filters: TraceFilters, *, per_model: bool = False
) -> list[Any]:
    """Per user: traces, failed traces, latency count and sum, tokens, cost."""
    query = _traces(
        project_rowid,
        filters,
        t.user_id,
        func.count().label("traces"),
        _count_if(t.status == "error").label("failed"),
        func.count(t.latency_ms).label("latency_count"),
        func.coalesce(func.sum(t.latency_ms), 0.0).label("latency_sum"),
        func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
        func.coalesce(func.sum(t.cost), 0.0).label("cost"),
    )
    query, more = _per_model(query, project_rowid, filters, per_model)
    return list(conn.execute(query.group_by(t.user_id, *more)))
