"""SQL for evaluators and for reading what they evaluate (traces, observations, sessions,
dataset run items)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from tracehouse.store.clickhouse import bridge
from tracehouse.store.named import NamedTable
from tracehouse.store.tables import (
    dataset_items,
    dataset_run_items,
    dataset_runs,
    evaluators,
    observations,
    traces,
)

EVALUATORS = NamedTable(evaluators, "evaluator_rowid")


def trace(conn: Connection, project_rowid: int, trace_id: str) -> Any:
    t = traces.c
    query = select(traces).where(t.project_rowid == project_rowid, t.id == trace_id)
    return next(iter(bridge.read_mappings(conn, query, project_rowid)), None)


def observation(conn: Connection, project_rowid: int, observation_id: str) -> Any:
    o = observations.c
    query = select(observations).where(o.project_rowid == project_rowid, o.id == observation_id)
    return next(iter(bridge.read_mappings(conn, query, project_rowid)), None)


def session_traces(conn: Connection, project_rowid: int, session_id: str) -> list[Any]:
    t = traces.c
    query = (
        select(traces)
        .where(t.project_rowid == project_rowid, t.session_id == session_id)
        .order_by(t.start_time, t.trace_rowid)
        .limit(500)
    )
    return bridge.read_mappings(conn, query, project_rowid)


def dataset_run_rows(conn: Connection, project_rowid: int, run_id: str) -> list[Any] | None:
    """(run item, expected output) of a dataset run's items; None when there is no such run."""
    r, ri, di = dataset_runs.c, dataset_run_items.c, dataset_items.c
    run = conn.execute(
        select(r.run_rowid).where(r.project_rowid == project_rowid, r.id == run_id)
    ).scalar()
    if run is None:
        return None
    query = (
        select(ri.trace_id, ri.observation_id, ri.dataset_item_id, di.expected_output)
        .select_from(
            dataset_run_items.outerjoin(
                dataset_items,
                and_(
                    di.project_rowid == project_rowid,
                    di.id == ri.dataset_item_id,
                    di.valid_to.is_(None),
                ),
            )
        )
        .where(ri.run_rowid == run)
        .order_by(ri.run_item_rowid)
    )
    return list(conn.execute(query).mappings())


def trace_cost(conn: Connection, project_rowid: int, trace_id: str) -> float | None:
    t = traces.c
    query = select(t.cost).where(t.project_rowid == project_rowid, t.id == trace_id)
    value = bridge.read_scalar(conn, query, project_rowid)
    return None if value is None else float(value)
