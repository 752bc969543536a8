"""SQL for versions: the figures of a version's traces and their scores, the traces of each
commit, branch or release (from git links and from VCS attributes in trace metadata), and the
version roll-ups with the few traces that explain a change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from tracehouse.analytics.contrib import SCORED_TYPES
from tracehouse.analytics.store import clickhouse_where
from tracehouse.conventions.vcs import VCS_BRANCH, VCS_REVISION
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse import versions as ch_versions
from tracehouse.store.jsonkey import JsonKey
from tracehouse.store.tables import (
    analytics_daily_version_scores,
    analytics_daily_versions,
    analytics_dirty_days,
    git_link_targets,
    git_links,
    scores,
    traces,
)
from tracehouse.traces.filters import TraceFilters, apply, tagged
from tracehouse.versions.schemas import Version

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


# The version roll-ups (`analytics_daily_versions`), and the few traces that explain a change.


def _rolled(table: Table, project_rowid: int, version: Version) -> list[ColumnElement[bool]]:
    """The rows of the version: a commit by its prefix (kept in lower case)."""
    column = table.c.version
    wanted = column.startswith(version.value, autoescape=True)
    if version.kind != "commit":
        wanted = column == version.value
    return [table.c.project_rowid == project_rowid, table.c.kind == version.kind, wanted]


def rolled_rows(conn: Connection, project_rowid: int, version: Version) -> list[Any]:
    """Every stored row of the version (a few a day; each batch appends its own until the
    refresher compacts them)."""
    v = analytics_daily_versions
    query = select(v).where(*_rolled(v, project_rowid, version))
    return list(conn.execute(query).all())


def rolled_scores(conn: Connection, project_rowid: int, version: Version) -> list[Any]:
    """(name, count, sum, sum of squares) of each numeric score of the version's traces."""
    s = analytics_daily_version_scores
    sums = (func.sum(s.c.scores), func.sum(s.c.total), func.sum(s.c.squares))
    query = (
        select(s.c.name, *sums)
        .where(*_rolled(s, project_rowid, version))
        .group_by(s.c.name)
        .having(func.sum(s.c.scores) > 0)
    )
    return list(conn.execute(query).all())


def linked(conn: Connection, project_rowid: int, version: Version) -> bool:
    """Whether a git link names the commit or branch (its traces are not in the roll-ups)."""
    if version.kind not in ("commit", "branch"):
        return False
    g = git_links.c
    wanted = g.commit_sha.startswith(version.value, autoescape=True)
    if version.kind == "branch":
        wanted = g.branch == version.value
    query = select(g.git_link_rowid).where(g.project_rowid == project_rowid, wanted).limit(1)
    return conn.execute(query).first() is not None


def stale(conn: Connection, project_rowid: int) -> bool:
    """Whether a day of the project waits for its roll-ups to be rebuilt."""
    d = analytics_dirty_days.c
    query = select(d.day).where(d.project_rowid == project_rowid).limit(1)
    return conn.execute(query).first() is not None


def of_version(version: Version) -> ColumnElement[bool]:
    """The traces naming the version in their metadata or release (no git link)."""
    if version.kind == "release":
        return traces.c.release == version.value
    key = VCS_REVISION if version.kind == "commit" else VCS_BRANCH
    return tagged(key, version.value, exact=version.kind != "commit")


#: How many traces (or scores) a search for explaining traces reads at most, from the top of
#: an index: a version with none of its traces among them has none listed.
WINDOW = 5000


def top_traces(
    conn: Connection,
    project_rowid: int,
    version: Version,
    order: ColumnElement[Any],
    count: int,
    indexed: Sequence[ColumnElement[bool]] = (),
    rest: Sequence[ColumnElement[bool]] = (),
    window: int = WINDOW,
) -> list[tuple[str, str | None]]:
    """(id, name) of the version's first traces in `order` among the first `window` that
    match `indexed` (conditions an index answers, read from its top), filtered by `rest`:
    a few dozen rows read when the version is a large share, more only as needed."""
    found: list[tuple[str, str | None]] = []
    for size in _growing(window):
        found = _top(conn, project_rowid, version, order, count, indexed, rest, size)
        if len(found) >= count:
            break
    return found


def _growing(window: int) -> list[int]:
    """Windows of 64, 16 times as many, ... up to `window`."""
    sizes = [64]
    while sizes[-1] < window:
        sizes.append(min(window, sizes[-1] * 16))
    return sizes


def _top(
    conn: Connection,
    project_rowid: int,
    version: Version,
    order: ColumnElement[Any],
    count: int,
    indexed: Sequence[ColumnElement[bool]],
    rest: Sequence[ColumnElement[bool]],
    window: int,
) -> list[tuple[str, str | None]]:
    t = traces.c
    first = (
        select(t.trace_rowid)
        .where(t.project_rowid == project_rowid, *indexed)
        .order_by(order)
        .limit(window)
        .subquery()
    )
    query = (
        select(t.id, t.name)
        .where(t.trace_rowid.in_(select(first.c.trace_rowid)), of_version(version), *rest)
        .order_by(order)
        .limit(count)
    )
    return [(row[0], row[1]) for row in conn.execute(query)]


def lowest_scored(
    conn: Connection, project_rowid: int, version: Version, name: str, count: int
) -> list[tuple[str, str | None]]:
    """(id, name) of the version's traces with the lowest values of the score `name`, among
    the `WINDOW` lowest values (fewer read when enough are found)."""
    found: list[tuple[str, str | None]] = []
    for size in _growing(WINDOW):
        found = _lowest(conn, project_rowid, version, name, count, size)
        if len(found) >= count:
            break
    return found


def _lowest(
    conn: Connection, project_rowid: int, version: Version, name: str, count: int, window: int
) -> list[tuple[str, str | None]]:
    t, s = traces.c, scores.c
    first = (
        select(s.score_rowid)
        .where(s.project_rowid == project_rowid, s.name == name, s.value.is_not(None))
        .order_by(s.value)
        .limit(window)
        .subquery()
    )
    joined = scores.join(traces, and_(t.project_rowid == s.project_rowid, t.id == s.trace_id))
    query = (
        select(t.id, t.name)
        .select_from(joined)
        .where(
            s.score_rowid.in_(select(first.c.score_rowid)),
            s.data_type.in_(SCORED_TYPES),
            of_version(version),
        )
        .order_by(s.value)
        .limit(count)
    )
    return [(row[0], row[1]) for row in conn.execute(query)]


def rolled_up(conn: Connection) -> bool:
    """Whether ingestion keeps the version roll-ups of this database's traces (not when
    ClickHouse holds them: the comparison then aggregates the traces)."""
    return dispatch.of(conn) is None
