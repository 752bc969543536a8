"""Trace filters answered by relational tables (git links, CI runs) for ClickHouse traces:
the relational database names the traces and sessions, ClickHouse filters on those ids."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from sqlalchemy import Connection, select

from tracehouse.conventions.families import VCS_BRANCH, VCS_REPOSITORY, VCS_REVISION
from tracehouse.store.clickhouse.sql import Where
from tracehouse.store.tables import ci_run_traces, ci_runs, git_link_targets, git_links
from tracehouse.traces.filters import TraceFilters, like_escape


def restrict(conn: Connection, where: Where, project_rowid: int, filters: TraceFilters) -> None:
    """Add the CI run and git conditions of `filters` to `where`."""
    if filters.ci_run:
        ids = _ci_run_traces(conn, project_rowid, filters.ci_run)
        where.add(f"id IN {where.bind(ids)}")
    git = _git_wanted(filters)
    if git is None:
        return
    traces, sessions = _git_targets(conn, project_rowid, filters)
    tagged = " AND ".join(f"metadata LIKE {where.bind(p)}" for p in git)
    where.add(f"id IN {where.bind(traces)} OR session_id IN {where.bind(sessions)} OR ({tagged})")


def _ci_run_traces(conn: Connection, project_rowid: int, run_id: str) -> list[str]:
    r, c = ci_run_traces.c, ci_runs.c
    query = (
        select(r.trace_id)
        .select_from(ci_run_traces.join(ci_runs, c.ci_run_rowid == r.ci_run_rowid))
        .where(r.project_rowid == project_rowid, c.id == run_id)
    )
    return [str(trace_id) for trace_id in conn.execute(query).scalars()]


def _git_wanted(filters: TraceFilters) -> list[str] | None:
    """The metadata LIKE patterns of the VCS attributes (`traces.filters.git_conditions`), or
    None without a git filter."""
    patterns: list[str] = []
    for key, value, exact in _vcs(filters):
        text = orjson.dumps({key: value}).decode()[1:-1]
        patterns.append(f"%{like_escape(text if exact else text[:-1])}%")
    return patterns or None


def _vcs(filters: TraceFilters) -> Iterable[tuple[str, str, bool]]:
    if filters.repository:
        yield VCS_REPOSITORY, filters.repository, True
    if filters.branch:
        yield VCS_BRANCH, filters.branch, True
    if filters.commit:
        yield VCS_REVISION, filters.commit.lower(), False


def _git_targets(
    conn: Connection, project_rowid: int, filters: TraceFilters
) -> tuple[list[str], list[str]]:
    """The trace ids and session ids linked to a matching git link."""
    g, x = git_links.c, git_link_targets.c
    wanted = []
    if filters.repository:
        wanted.append(g.repository_url == filters.repository)
    if filters.branch:
        wanted.append(g.branch == filters.branch)
    if filters.commit:
        wanted.append(g.commit_sha.startswith(filters.commit.lower(), autoescape=True))
    query = (
        select(x.kind, x.target_id)
        .select_from(git_link_targets.join(git_links, g.git_link_rowid == x.git_link_rowid))
        .where(x.project_rowid == project_rowid, *wanted)
    )
    found = conn.execute(query).all()
    traces = [str(row.target_id) for row in found if row.kind == "trace"]
    return traces, [str(row.target_id) for row in found if row.kind == "session"]
