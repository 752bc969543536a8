"""SQL for evaluation runs and their results, and for evaluations (criteria)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.named import NamedTable
from tracehouse.store.tables import evaluation_results, evaluation_runs, evaluations

_R, _X = evaluation_runs.c, evaluation_results.c


def insert_run(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(evaluation_runs).values(**values))


def find_run(conn: Connection, run_id: str, project_rowid: int | None = None) -> Any:
    query = select(evaluation_runs).where(_R.id == run_id)
    if project_rowid is not None:
        query = query.where(_R.project_rowid == project_rowid)
    return conn.execute(query).mappings().first()


#: A run still `running` this long after its claim lost its process; it is claimed again.
STALE_US = 15 * 60 * 1_000_000
MAX_ATTEMPTS = 3


def claim_next(conn: Connection, worker: str, now: int) -> Any:
    """Mark the oldest queued (or abandoned) run as running for `worker` and return it.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` so concurrent processes claim different runs;
    SQLite has one writer, so the plain UPDATE is already exclusive."""
    claimable = or_(
        _R.status == "queued",
        and_(
            _R.status == "running",
            _R.started_at < now - STALE_US,
            _R.attempts < MAX_ATTEMPTS,
        ),
    )
    oldest = (
        select(_R.run_rowid)
        .where(claimable)
        .order_by(_R.created_at, _R.run_rowid)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = conn.execute(
        update(evaluation_runs)
        .where(_R.run_rowid == oldest, claimable)
        .values(status="running", claimed_by=worker, started_at=now, attempts=_R.attempts + 1)
        .returning(*evaluation_runs.c)
    )
    return claimed.mappings().first()


def finish_run(conn: Connection, run_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(evaluation_runs).where(_R.run_rowid == run_rowid).values(**values))


def insert_results(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(evaluation_results), rows)


def results(conn: Connection, run_rowid: int) -> list[Any]:
    query = select(evaluation_results).where(_X.run_rowid == run_rowid).order_by(_X.result_rowid)
    return list(conn.execute(query).mappings())


def list_runs(
    conn: Connection,
    project_rowid: int,
    page: PageParams,
    evaluator_id: str | None = None,
    **equal: str | None,
) -> tuple[list[Any], int]:
    """One page of runs, newest first (one row more than the page: more follow); with
    `evaluator_id`, the runs that used that evaluator."""
    where = [_R.project_rowid == project_rowid]
    where += [_R[k] == v for k, v in equal.items() if v is not None]
    if evaluator_id is not None:  # `evaluator_ids` is a JSON list of ids
        where.append(_R.evaluator_ids.contains(f'"{evaluator_id}"', autoescape=True))
    query = paginate(select(evaluation_runs).where(*where), [_R.created_at, _R.run_rowid], page)
    total = conn.execute(select(func.count()).select_from(evaluation_runs).where(*where))
    return list(conn.execute(query).mappings()), int(total.scalar_one())


EVALUATIONS = NamedTable(evaluations, "evaluation_rowid")
