"""SQL of the analytics reads: aggregates over traces (the covering index
`ix_traces_analytics`; by model from each trace's rolled-up model calls), failed steps, the
slow threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
)

from tracehouse.analytics.aggregate import ModelAgg
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.clickhouse import analytics as ch_analytics
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse.where import Where, trace_where
from tracehouse.store.listed import InListed
from tracehouse.store.tables import analytics_settings, observations, trace_model_calls, traces
from tracehouse.store.tables.analytics import MODEL_FIGURES
from tracehouse.store.upsert import upsert
from tracehouse.traces import filters as trace_filters
from tracehouse.traces.filters import TraceFilters

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

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


@dataclass(frozen=True, slots=True)
class Part:
    """The traces one aggregate reads: those meeting `filters` but not `unless`, or else,
    when `rowids` is given, those traces (already known to meet them). `sign` -1: traces a
    roll-up counts but the request's filters leave out, whose figures are taken away."""

    filters: TraceFilters
    rowids: str | None = None  # comma-separated, as `rowids` lists them
    sign: int = 1
    unless: TraceFilters | None = None


def _traces(project_rowid: int, where: TraceFilters | Part, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(traces)
    if isinstance(where, Part):
        if where.rowids is not None:
            # `+ 0`: read each listed trace by its rowid, never scan an index of the project.
            listed = InListed(t.trace_rowid, where.rowids)
            return query.where(t.project_rowid + 0 == project_rowid, listed)
        if where.unless is not None:
            query = query.where(_fails(where.unless))
        where = where.filters
    return trace_filters.apply(query, project_rowid, where)


def clickhouse_where(
    conn: Connection, project_rowid: int, where: TraceFilters | Part
) -> tuple[ClickHouse, Where] | None:
    """The ClickHouse holding the traces and the filters as its conditions, or None: the
    relational database holds them. (Parts on ClickHouse are always plain filters: it keeps
    no roll-ups.)"""
    ch = dispatch.of(conn)
    if ch is None:
        return None
    filters = where.filters if isinstance(where, Part) else where
    return ch, trace_where(ch, conn, project_rowid, filters)


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def latencies(conn: Connection, project_rowid: int, part: Part) -> list[float]:
    """Every known trace latency of the part, in no order."""
    if (found := clickhouse_where(conn, project_rowid, part)) is not None:
        return ch_analytics.latencies(*found)
    query = _traces(project_rowid, part, t.latency_ms).where(t.latency_ms.is_not(None))
    result = conn.execute(query)
    try:  # the driver's rows as they are: a float column needs no processing, and rows
        return [row[0] for row in result.cursor.fetchall()]  # of 100,000 cost ~60 ms less
    finally:
        result.close()


def count_over(conn: Connection, project_rowid: int, part: Part, threshold: float) -> int:
    return count_where(conn, project_rowid, part, t.latency_ms > threshold)


def latency_quantiles(
    conn: Connection, project_rowid: int, filters: TraceFilters, qs: tuple[float, ...]
) -> tuple[dict[float, float | None], dict[float, int]] | None:
    """{q: the q-th percentile of the latencies} and {q: how many latencies exceed it},
    computed by the database when ClickHouse holds the traces; None: fetch them
    (`latencies`)."""
    found = clickhouse_where(conn, project_rowid, filters)
    return None if found is None else ch_analytics.latency_quantiles(*found, qs)


def split(
    conn: Connection, project_rowid: int, covered: TraceFilters, extra: TraceFilters
) -> tuple[int, int]:
    """(traces meeting `covered`, how many of them meet `extra` too): one pass."""
    query = _traces(project_rowid, covered, func.count(), _count_if(_meets(extra)))
    total, meeting = conn.execute(query).one()
    return int(total), int(meeting)


def rowids(
    conn: Connection,
    project_rowid: int,
    covered: TraceFilters,
    extra: TraceFilters,
    meeting: bool,
    limit: int | None = None,
) -> tuple[int, str]:
    """The traces meeting `covered` that meet `extra` (`meeting`), or that do not, at most
    `limit` of them: how many, and their rowids comma-separated (text, as they only go back
    into SQL: some ten times cheaper than fetching them as rows)."""
    side = _meets(extra) if meeting else _fails(extra)
    chosen = _traces(project_rowid, covered, t.trace_rowid).where(side).limit(limit).subquery()
    listed = func.aggregate_strings(cast(chosen.c.trace_rowid, String), ",")
    count, text = conn.execute(select(func.count(), listed)).one()
    return int(count), text or ""


def _meets(filters: TraceFilters) -> ColumnElement[bool]:
    return and_(true(), *trace_filters.conditions(filters))


def _fails(filters: TraceFilters) -> ColumnElement[bool]:
    """The trace does not meet the filters (a NULL compared counts as not met)."""
    return case((_meets(filters), 1), else_=0) == 0


def retried() -> ColumnElement[bool]:
    """The trace has a retry: a step repeated (same parent and name) at or after a failed one
    (rolled up at ingestion into `traces.retried`)."""
    condition: ColumnElement[bool] = t.retried == true()
    return condition


def count_where(
    conn: Connection,
    project_rowid: int,
    filters: TraceFilters | Part,
    condition: ColumnElement[bool],
) -> int:
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        return ch_analytics.count_where(*found, ch_analytics.condition_sql(condition))
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
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        ch, w = found
        return ch_analytics.list_where(ch, w, ch_analytics.condition_sql(condition), page)
    query = _traces(project_rowid, filters, *LIST_COLUMNS).where(condition)
    return list(conn.execute(paginate(query, [t.start_time, t.trace_rowid], page)).mappings())


def first_errors(conn: Connection, project_rowid: int, trace_ids: Iterable[str]) -> dict[str, Any]:
    """{trace id: its earliest ERROR observation (type, name, message, time)}."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_analytics.first_errors(ch, project_rowid, trace_ids)
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
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        return ch_analytics.error_messages(*found, limit)
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
    conn: Connection, project_rowid: int, part: Part, width: int, offset: int
) -> list[Any]:
    """Per chart bucket (`width` µs, aligned at `offset`), environment, name and status:
    traces, retried traces, latency count and sum, tokens, cost."""
    if (found := clickhouse_where(conn, project_rowid, part)) is not None:
        return ch_analytics.trace_groups(*found, width, offset)
    bucket = ((t.start_time - offset) // width * width + offset).label("bucket")
    dims = (bucket, t.environment, t.name, t.status)
    query = _traces(
        project_rowid,
        part,
        *dims,
        func.count().label("traces"),
        func.coalesce(func.sum(t.observation_count), 0).label("observations"),
        _count_if(retried()).label("retried"),
        func.count(t.latency_ms).label("latency_count"),
        func.coalesce(func.sum(t.latency_ms), 0.0).label("latency_sum"),
        func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
        func.coalesce(func.sum(t.cost), 0.0).label("cost"),
    )
    return list(conn.execute(query.group_by(*dims)))


def model_groups(conn: Connection, project_rowid: int, part: Part) -> dict[str, ModelAgg]:
    """Per model: the part's traces that called it and the figures of those calls, summed
    from `trace_model_calls` (by primary key, trace by trace)."""
    if (found := clickhouse_where(conn, project_rowid, part)) is not None:
        return ch_analytics.model_groups(*found)
    m = trace_model_calls.c
    sums = [func.count(), *(func.sum(m[name]) for name in MODEL_FIGURES)]
    if part.rowids is not None:  # already the project's: no need to read the traces again
        query = select(m.model, *sums).where(InListed(m.trace_rowid, part.rowids))
    else:
        joined = traces.join(trace_model_calls, m.trace_rowid == t.trace_rowid)
        query = _traces(project_rowid, part, m.model, *sums).select_from(joined)
    rows = conn.execute(query.group_by(m.model)).all()
    return {row[0]: ModelAgg.of(list(row[1:])) for row in rows}


def user_groups(conn: Connection, project_rowid: int, part: Part) -> list[Any]:
    """Per user: traces, failed traces, latency count and sum, tokens, cost."""
    if (found := clickhouse_where(conn, project_rowid, part)) is not None:
        return ch_analytics.user_groups(*found)
    query = _traces(
        project_rowid,
        part,
        t.user_id,
        func.count().label("traces"),
        _count_if(t.status == "error").label("failed"),
        func.count(t.latency_ms).label("latency_count"),
        func.coalesce(func.sum(t.latency_ms), 0.0).label("latency_sum"),
        func.coalesce(func.sum(t.total_tokens), 0).label("tokens"),
        func.coalesce(func.sum(t.cost), 0.0).label("cost"),
    )
    return list(conn.execute(query.group_by(t.user_id)))
