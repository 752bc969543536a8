"""SQL for evaluators and for reading what they evaluate (traces, observations, sessions,
dataset run items)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from tracehouse.store.tables import (
    dataset_items,
    dataset_run_items,
    dataset_runs,
    evaluators,
    observations,
    traces,
)

_E = evaluators.c


def find(conn: Connection, project_rowid: int, ref: str) -> Any:
    """An evaluator by id or name."""
    query = select(evaluators).where(
        _E.project_rowid == project_rowid, (_E.id == ref) | (_E.name == ref)
    )
    return conn.execute(query).mappings().first()


def insert_evaluator(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(evaluators).values(**values))


def update_evaluator(conn: Connection, evaluator_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(evaluators).where(_E.evaluator_rowid == evaluator_rowid).values(**values))


def delete_evaluator(conn: Connection, evaluator_rowid: int) -> None:
    conn.execute(delete(evaluators).where(_E.evaluator_rowid == evaluator_rowid))


def list_evaluators(
    conn: Connection, project_rowid: int, limit: int, offset: int
) -> tuple[list[Any], int]:
    where = _E.project_rowid == project_rowid
    query = (
        select(evaluators)
        .where(where)
        .order_by(_E.created_at.desc(), _E.evaluator_rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    total = conn.execute(select(func.count()).select_from(evaluators).where(where)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def trace(conn: Connection, project_rowid: int, trace_id: str) -> Any:
    t = traces.c
    query = select(traces).where(t.project_rowid == project_rowid, t.id == trace_id)
    return conn.execute(query).mappings().first()


def observation(conn: Connection, project_rowid: int, observation_id: str) -> Any:
    o = observations.c
    query = select(observations).where(o.project_rowid == project_rowid, o.id == observation_id)
    return conn.execute(query).mappings().first()


def session_traces(conn: Connection, project_rowid: int, session_id: str) -> list[Any]:
    t = traces.c
    query = (
        select(traces)
        .where(t.project_rowid == project_rowid, t.session_id == session_id)
        .order_by(t.start_time, t.trace_rowid)
        .limit(500)
    )
    return list(conn.execute(query).mappings())


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
    value = conn.execute(query).scalar()
    return None if value is None else float(value)
