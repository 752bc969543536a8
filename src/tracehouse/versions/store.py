"""SQL for versions: the figures of a version's traces and their scores, and the traces of
each commit, branch or release (from git links and from VCS attributes in trace metadata)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select

from tracehouse.analytics.store import clickhouse_where
from tracehouse.conventions.families import VCS_BRANCH, VCS_REVISION
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse import versions as ch_versions
from tracehouse.store.jsonkey import JsonKey
from tracehouse.store.tables import git_link_targets, git_links, scores, traces
from tracehouse.traces.filters import TraceFilters, apply

_FIGURES = (
    traces.c.id, traces.c.name, traces.c.status, traces.c.latency_ms, traces.c.total_tokens,
    traces.c.cost,
)  # fmt: skip
_META_KEY = {"commit": VCS_REVISION, "branch": VCS_BRANCH}


def figures(conn: Connection, project_rowid: int, filters: TraceFilters) -> list[Any]:
    """(id, name, status, latency_ms, total_tokens, cost, score name, score value) of every
    matching trace, once per numeric or boolean score it has (once with NULLs if none): one
    pass over the traces, the scores read through their index."""
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        return ch_versions.figures(*found)
    t, s = traces.c, scores.c
    scored = and_(
        s.project_rowid == t.project_rowid,
        s.trace_id == t.id,
        s.data_type.in_(("NUMERIC", "BOOLEAN")),
        s.value.is_not(None),
    )
    query = select(*_FIGURES, s.name, s.value).select_from(traces.outerjoin(scores, scored))
    return list(conn.execute(apply(query, project_rowid, filters)).all())


def score_names(conn: Connection, project_rowid: int) -> set[str]:
    if (ch := dispatch.of(conn)) is not None:
        return ch_versions.score_names(ch, project_rowid)
    s = scores.c
    query = select(s.name).where(s.project_rowid == project_rowid).distinct()
    return set(conn.execute(query).scalars())


def grouped_rows(conn: Connection, project_rowid: int, filters: TraceFilters, by: str) -> list[Any]:
    """(trace_rowid, version, status, latency_ms, total_tokens, cost, start_time) of the
    matching traces: a trace tagged in its metadata, and once per linked commit or branch."""
    if (found := clickhouse_where(conn, project_rowid, filters)) is not None:
        return ch_versions.grouped_rows(conn, *found, by)
    t = traces.c
    figures = (t.trace_rowid, t.status, t.latency_ms, t.total_tokens, t.cost, t.start_time)
    if by == "release":
        query = select(t.release, *figures).where(t.release.is_not(None))
        return list(conn.execute(apply(query, project_rowid, filters)).all())
    tag = JsonKey(t.metadata, _META_KEY[by])
    tagged = apply(select(tag, *figures).where(tag.is_not(None)), project_rowid, filters)
    g, x = git_links.c, git_link_targets.c
    column = g.commit_sha if by == "commit" else g.branch
    owner = or_(
        and_(x.kind == "trace", x.target_id == t.id),
        and_(x.kind == "session", x.target_id == t.session_id),
    )
    linked = (
        select(column, *figures)
        .select_from(traces)
        .join(git_link_targets, and_(x.project_rowid == t.project_rowid, owner))
        .join(git_links, g.git_link_rowid == x.git_link_rowid)
        .where(column.is_not(None))
    )
    rows = list(conn.execute(tagged).all())
    return rows + list(conn.execute(apply(linked, project_rowid, filters)).all())


def commits(conn: Connection, project_rowid: int, shas: list[str]) -> dict[str, Any]:
    """The newest git link of each commit: its repository, branch, message, author, time."""
    g = git_links.c
    query = (
        select(git_links)
        .where(g.project_rowid == project_rowid, g.commit_sha.in_(shas))
        .order_by(g.created_at)
    )
    return {row["commit_sha"]: row for row in conn.execute(query).mappings()}
