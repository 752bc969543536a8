"""SQL for reading and deleting traces, observations and scores."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, select

from tracehouse.analytics import rollup_store
from tracehouse.analytics.contrib import Deltas, TraceState
from tracehouse.evaluations import monitor_store
from tracehouse.http.pagination import PageParams, paginate
from tracehouse.ingest import store as ingest_store
from tracehouse.store.clickhouse import dispatch, trace_list
from tracehouse.store.clickhouse import purge as ch_purge
from tracehouse.store.clickhouse import reads as ch_reads
from tracehouse.store.tables import observations, scores, traces
from tracehouse.traces import filters as trace_filters


def sort_key(sort: str) -> Any:
    # start_time is never null: sorting on the bare column lets the index serve the order.
    column = trace_filters.SORTS[sort]
    return column if sort == "time" else func.coalesce(column, -1)


def list_traces(
    conn: Connection, project_rowid: int, params: trace_filters.TraceListParams, page: PageParams
) -> tuple[list[Any], int]:
    if (ch := dispatch.of(conn)) is not None:
        return trace_list.list_traces(ch, conn, project_rowid, params, page)
    base = trace_filters.apply(select(traces), project_rowid, params)
    keys = [sort_key(params.sort), traces.c.trace_rowid]
    query = paginate(
        base.add_columns(keys[0].label("sort_value")),
        keys,
        page,
        descending=params.order == "desc",
    )
    rows = list(conn.execute(query).mappings())
    count = trace_filters.apply(select(func.count()).select_from(traces), project_rowid, params)
    return rows, int(conn.execute(count).scalar_one())


def get_trace(conn: Connection, project_rowid: int, trace_id: str) -> Any:
    if (ch := dispatch.of(conn)) is not None:
        return ch_reads.get_trace(ch, project_rowid, trace_id)
    query = select(traces).where(traces.c.project_rowid == project_rowid, traces.c.id == trace_id)
    return conn.execute(query).mappings().first()


def traces_of_observations(
    conn: Connection, project_rowid: int, observation_ids: Iterable[str]
) -> dict[str, str]:
    """{observation id: its trace id} for the stored observations among `observation_ids`."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_reads.traces_of_observations(ch, project_rowid, observation_ids)
    o = observations.c
    query = select(o.id, o.trace_id).where(
        o.project_rowid == project_rowid, o.id.in_(set(observation_ids))
    )
    return {row.id: row.trace_id for row in conn.execute(query)}


def trace_observations(conn: Connection, project_rowid: int, trace_id: str) -> list[Any]:
    if (ch := dispatch.of(conn)) is not None:
        return ch_reads.trace_observations(ch, project_rowid, trace_id)
    query = (
        select(observations)
        .where(observations.c.project_rowid == project_rowid, observations.c.trace_id == trace_id)
        .order_by(observations.c.start_time, observations.c.observation_rowid)
    )
    return list(conn.execute(query).mappings())


def trace_scores(conn: Connection, project_rowid: int, trace_id: str) -> list[Any]:
    if (ch := dispatch.of(conn)) is not None:
        return ch_reads.trace_scores(ch, project_rowid, trace_id)
    query = (
        select(scores)
        .where(scores.c.project_rowid == project_rowid, scores.c.trace_id == trace_id)
        .order_by(scores.c.timestamp, scores.c.score_rowid)
    )
    return list(conn.execute(query).mappings())


def delete_trace(conn: Connection, project_rowid: int, trace_id: str) -> int:
    """Delete a trace with its observations and scores, and count it out of the roll-ups."""
    ingest_store.lock_traces(conn, project_rowid, [trace_id])
    if (ch := dispatch.of(conn)) is not None:
        deleted = ch_purge.delete_trace(ch, project_rowid, trace_id)
        monitor_store.forget(conn, project_rowid, [trace_id])
        return deleted
    stored = ingest_store.fetch_stored(conn, traces, project_rowid, [trace_id])
    gone = Deltas()
    for row in stored.values():
        state = TraceState.of(row)
        gone.add(state, -1)
        found = ingest_store.numeric_scores(conn, project_rowid, [trace_id])
        for _, name, value in found if state.versions else ():
            gone.add_score(state.start_time, state.versions, name, float(value), -1)
    rollup_store.append(conn, project_rowid, gone.rows(project_rowid))
    for table in (observations, scores):
        conn.execute(
            delete(table).where(
                table.c.project_rowid == project_rowid, table.c.trace_id == trace_id
            )
        )
    result = conn.execute(
        delete(traces).where(traces.c.project_rowid == project_rowid, traces.c.id == trace_id)
    )
    monitor_store.forget(conn, project_rowid, [trace_id])
    return int(result.rowcount)
