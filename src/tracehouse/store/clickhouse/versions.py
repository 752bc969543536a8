"""Versions on ClickHouse: the figures of a version's traces with their scores, and the
traces of each release, commit or branch (git links are relational: read there, then
matched to the traces here). Rows are tuples in the order of `versions.store`."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from tracehouse.conventions.families import VCS_BRANCH, VCS_REVISION
from tracehouse.store.clickhouse.analytics import rows
from tracehouse.store.clickhouse.where import Where, current
from tracehouse.store.tables import git_link_targets, git_links

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_FIGURES = "id, name, status, latency_ms, total_tokens, cost"
_GROUPED = "trace_rowid, status, latency_ms, total_tokens, cost, start_time"
_META_KEY = {"commit": VCS_REVISION, "branch": VCS_BRANCH}


def _tuples(ch: ClickHouse, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in rows(ch, sql, params)]


def figures(ch: ClickHouse, w: Where) -> list[tuple[Any, ...]]:
    """(id, name, status, latency_ms, total_tokens, cost, score name, score value) of every
    matching trace, once per numeric or boolean score it has (once with NULLs if none)."""
    scored = (
        f"SELECT trace_id, name, value FROM {current(w.layout, 'scores')} "
        "WHERE project_rowid = {project:Int64} AND data_type IN ('NUMERIC', 'BOOLEAN') "
        "AND value IS NOT NULL AND trace_id IS NOT NULL"
    )
    matched = f"SELECT {_FIGURES} FROM {current(w.layout, 'traces')} WHERE {w.sql}"
    sql = (
        f"SELECT t.*, s.name AS score_name, s.value AS score_value FROM ({matched}) AS t "
        f"LEFT JOIN ({scored}) AS s ON s.trace_id = t.id"
    )
    return _tuples(ch, sql, w.params)


def score_names(ch: ClickHouse, project_rowid: int) -> set[str]:
    sql = (
        f"SELECT DISTINCT name FROM {current(ch.layout, 'scores')} "
        "WHERE project_rowid = {project:Int64}"
    )
    return {row["name"] for row in rows(ch, sql, {"project": project_rowid})}


def grouped_rows(conn: Connection, ch: ClickHouse, w: Where, by: str) -> list[tuple[Any, ...]]:
    """(version, trace_rowid, status, latency_ms, total_tokens, cost, start_time) of the
    matching traces: a trace tagged in its metadata, and once per linked commit or branch."""
    table = current(w.layout, "traces")
    if by == "release":
        sql = f"SELECT release, {_GROUPED} FROM {table} WHERE {w.sql} AND release IS NOT NULL"
        return _tuples(ch, sql, w.params)
    slot = w.bind(_META_KEY[by], "String")
    key = f"nullIf(JSONExtractString(ifNull(metadata, '{{}}'), {slot}), '')"
    tagged = f"SELECT {key} AS v, {_GROUPED} FROM {table} WHERE {w.sql} AND v IS NOT NULL"
    return _tuples(ch, tagged, w.params) + _linked(conn, ch, w, by)


def _linked(conn: Connection, ch: ClickHouse, w: Where, by: str) -> list[tuple[Any, ...]]:
    """The matching traces once per commit (branch) linked to them or to their session."""
    g, x = git_links.c, git_link_targets.c
    column = g.commit_sha if by == "commit" else g.branch
    query = (
        select(column, x.kind, x.target_id)
        .select_from(git_link_targets.join(git_links, g.git_link_rowid == x.git_link_rowid))
        .where(x.project_rowid == w.project_rowid, column.is_not(None))
    )
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for value, kind, target in conn.execute(query):
        owners[(kind, target)].append(value)
    if not owners:
        return []
    ids = w.bind([t for k, t in owners if k == "trace"], "Array(String)")
    sessions = w.bind([t for k, t in owners if k == "session"], "Array(String)")
    sql = (
        f"SELECT id, session_id, {_GROUPED} FROM {current(w.layout, 'traces')} "
        f"WHERE {w.sql} AND (id IN {ids} OR session_id IN {sessions})"
    )
    out = []
    for trace_id, session_id, *figures in _tuples(ch, sql, w.params):
        linked = owners.get(("trace", trace_id), []) + owners.get(("session", session_id), [])
        out += [(value, *figures) for value in linked]
    return out
