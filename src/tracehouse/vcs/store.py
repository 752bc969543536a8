"""SQL for git links (and the traces and sessions they own) and CI runs (and their traces)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, Select, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import (
    ci_run_traces,
    ci_runs,
    dataset_run_items,
    dataset_runs,
    git_link_targets,
    git_links,
    traces,
)
from tracehouse.traces.filters import like_escape

#: The trace metadata key naming the CI run that produced the trace.
CI_RUN_KEY = "tracehouse.ci_run_id"


def existing_traces(conn: Connection, project_rowid: int, ids: Iterable[str]) -> set[str]:
    t = traces.c
    query = select(t.id).where(t.project_rowid == project_rowid, t.id.in_(set(ids)))
    return {row.id for row in bridge.read(conn, query, project_rowid)}


def _insert_ignoring(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(table).on_conflict_do_nothing(), rows)


def insert_git_link(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(git_links).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_targets(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _insert_ignoring(conn, git_link_targets, rows)


def find_git_link(conn: Connection, project_rowid: int, link_id: str) -> Any:
    g = git_links.c
    query = select(git_links).where(g.project_rowid == project_rowid, g.id == link_id)
    return conn.execute(query).mappings().first()


def targets(conn: Connection, git_link_rowids: list[int]) -> list[Any]:
    x = git_link_targets.c
    query = select(x.git_link_rowid, x.kind, x.target_id).where(
        x.git_link_rowid.in_(git_link_rowids)
    )
    return list(conn.execute(query.order_by(x.kind, x.target_id)).mappings())


def list_git_links(
    conn: Connection, project_rowid: int, where: list[Any], page: PageParams
) -> tuple[list[Any], int]:
    g = git_links.c
    base = select(git_links).where(g.project_rowid == project_rowid, *where)
    return _page(conn, base, [g.created_at, g.git_link_rowid], page)


def trace_git_links(conn: Connection, project_rowid: int, trace_id: str, session_id: Any) -> Any:
    """The commits a trace belongs to, directly or through its session."""
    x = git_link_targets.c
    owners = [(x.kind == "trace") & (x.target_id == trace_id)]
    if session_id:
        owners.append((x.kind == "session") & (x.target_id == session_id))

    linked = select(x.git_link_rowid).where(x.project_rowid == project_rowid, or_(*owners))
    query = select(git_links).where(git_links.c.git_link_rowid.in_(linked))
    return list(conn.execute(query.order_by(git_links.c.created_at)).mappings())


def owns_trace(trace_id: str) -> Any:
    """A condition on `git_links`: the link names this trace."""
    x = git_link_targets.c
    owning = select(x.git_link_rowid).where(x.kind == "trace", x.target_id == trace_id)
    return git_links.c.git_link_rowid.in_(owning)


def _page(
    conn: Connection, base: Select[Any], keys: list[Any], page: PageParams
) -> tuple[list[Any], int]:
    rows = list(conn.execute(paginate(base, keys, page)).mappings())
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    return rows, int(total)


def insert_ci_run(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(ci_runs).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_ci_run(conn: Connection, ci_run_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(ci_runs).where(ci_runs.c.ci_run_rowid == ci_run_rowid).values(**values))


def find_ci_run(conn: Connection, project_rowid: int, run_id: str) -> Any:
    c = ci_runs.c
    query = select(ci_runs).where(c.project_rowid == project_rowid, c.id == run_id)
    return conn.execute(query).mappings().first()


def list_ci_runs(
    conn: Connection, project_rowid: int, where: list[Any], page: PageParams
) -> tuple[list[Any], int]:
    c = ci_runs.c
    base = select(ci_runs).where(c.project_rowid == project_rowid, *where)
    return _page(conn, base, [c.created_at, c.ci_run_rowid], page)


def add_ci_traces(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _insert_ignoring(conn, ci_run_traces, rows)


def ci_trace_ids(conn: Connection, ci_run_rowid: int) -> list[str]:
    r = ci_run_traces.c
    query = select(r.trace_id).where(r.ci_run_rowid == ci_run_rowid).order_by(r.trace_id)
    return list(conn.execute(query).scalars())


def trace_ci_runs(conn: Connection, project_rowid: int, trace_id: str) -> list[Any]:
    r = ci_run_traces.c
    linked = select(r.ci_run_rowid).where(r.project_rowid == project_rowid, r.trace_id == trace_id)
    query = select(ci_runs).where(ci_runs.c.ci_run_rowid.in_(linked))
    return list(conn.execute(query.order_by(ci_runs.c.created_at)).mappings())


def last_passed_run(
    conn: Connection, project_rowid: int, branch: str, pipeline: str | None, not_id: str
) -> Any:
    """The newest passed run on `branch` (of the same pipeline when it has one)."""
    c = ci_runs.c
    where = [c.project_rowid == project_rowid, c.status == "passed", c.branch == branch]
    if pipeline:
        where.append(c.pipeline == pipeline)
    query = select(ci_runs).where(*where, c.id != not_id)
    return conn.execute(query.order_by(c.created_at.desc()).limit(1)).mappings().first()


def tagged_traces(conn: Connection, project_rowid: int, run_id: str, since: int) -> list[str]:
    """Traces that name the run in their metadata (`tracehouse.ci_run_id`, as the SDK sets it
    from `TRACEHOUSE_CI_RUN_ID`), received since `since`."""
    t = traces.c
    text = orjson.dumps({CI_RUN_KEY: run_id}).decode()[1:-1]
    query = select(t.id).where(
        t.project_rowid == project_rowid,
        t.created_at >= since,
        t.metadata.like(f"%{like_escape(text)}%", escape="\\"),
    )
    return [row.id for row in bridge.read(conn, query, project_rowid)]


def run_items(conn: Connection, project_rowid: int, trace_ids: list[str]) -> list[Any]:
    """(dataset_item_id, trace_id, run id, run name) of the dataset-run items of these traces."""
    i, r = dataset_run_items.c, dataset_runs.c
    query = (
        select(i.dataset_item_id, i.trace_id, r.id, r.name)
        .join(dataset_runs, r.run_rowid == i.run_rowid)
        .where(r.project_rowid == project_rowid, i.trace_id.in_(trace_ids))
    )
    return list(conn.execute(query).all())
