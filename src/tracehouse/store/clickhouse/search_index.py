"""The search indexer's reads and writes on ClickHouse (`search.store` dispatches here): the
traces changed since its cursor and their changed observations, read from ClickHouse; their
chunks, vectors and read marks written to the search tables (`search_schema`).

The cursor stays in the relational `search_state` (as on SQLite); row ids are the hashes of
`rowids`, which order the cursor's ties as well as counters do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tracehouse.store.clickhouse import search_schema
from tracehouse.store.clickhouse.rowids import rowid
from tracehouse.store.clickhouse.schema import latest
from tracehouse.store.clickhouse.search_schema import CHUNKS, TRACED, VECTORS

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_TRACE_COLUMNS = (
    "trace_rowid, project_rowid, id, name, input, output, status_message, is_test, "
    "updated_at, created_at"
)
_OBSERVATION_COLUMNS = (
    "project_rowid, trace_id, id, type, name, model, level, status_message, input, output, "
    "updated_at"
)
_PROJECT = "project_rowid = {project:Int64}"
_AFTER = (
    "updated_at >= {after:Int64} "
    "AND (updated_at, trace_rowid) > ({after:Int64}, {after_rowid:Int64})"
)


def _changes(ch: ClickHouse) -> str:
    """(project_rowid, id, changed_at) of the traces with a version, or an observation's
    version, stamped at or after `{after}`: a span's update need not write its trace again
    here (an unchanged roll-up is not rewritten), so its stamp counts as the trace's change."""
    table = ch.layout.table
    return (
        "SELECT project_rowid, id, max(updated_at) AS changed_at FROM ("
        f"SELECT project_rowid, id, updated_at FROM {table('traces')} "
        "WHERE updated_at >= {after:Int64} UNION ALL "
        f"SELECT project_rowid, trace_id AS id, updated_at FROM {table('observations')} "
        "WHERE updated_at >= {after:Int64}) GROUP BY project_rowid, id"
    )


def changed_traces(
    ch: ClickHouse, after: int, after_rowid: int, before: int, limit: int
) -> list[Any]:
    """Traces changed (they or a span of theirs) after the cursor and before `before`, in
    cursor order; `updated_at` is the time of the change (the later of the two)."""
    params = {"after": after, "after_rowid": after_rowid, "before": before, "limit": limit}
    changes = _changes(ch)
    keys = f"(project_rowid, id) IN (SELECT project_rowid, id FROM ({changes}))"
    source = latest(ch.layout, "traces", keys, _TRACE_COLUMNS)
    joined = (
        f"SELECT t.*, greatest(t.updated_at, c.changed_at) AS changed_at FROM ({source}) AS t "
        f"INNER JOIN ({changes}) AS c ON t.project_rowid = c.project_rowid AND t.id = c.id"
    )
    columns = _TRACE_COLUMNS.replace("updated_at", "changed_at AS updated_at")
    sql = (
        f"SELECT {columns} FROM ({joined}) WHERE {_AFTER.replace('updated_at', 'changed_at')} "
        "AND changed_at < {before:Int64} ORDER BY changed_at, trace_rowid LIMIT {limit:Int64}"
    )
    return ch.rows(sql, params)


def oldest_pending(ch: ClickHouse, project_rowid: int, after: int, after_rowid: int) -> int | None:
    """When the project's oldest change past the cursor happened: a trace's version past it,
    or a span's stamped after it."""
    table = ch.layout.table
    sql = (
        f"SELECT count() AS n, min(updated_at) AS at FROM ("
        f"SELECT updated_at FROM {table('traces')} WHERE {_PROJECT} AND {_AFTER} UNION ALL "
        f"SELECT updated_at FROM {table('observations')} "
        f"WHERE {_PROJECT} AND updated_at > {{after:Int64}})"
    )
    params = {"project": project_rowid, "after": after, "after_rowid": after_rowid}
    found = ch.rows(sql, params)[0]
    return int(found["at"]) if found["n"] else None


def indexed_at(ch: ClickHouse, trace_rowids: Sequence[int]) -> dict[int, int]:
    """{trace rowid: its `updated_at` when last indexed} of those indexed before."""
    sql = (
        f"SELECT trace_rowid, max(indexed_at) AS at FROM {ch.layout.table(TRACED)} "
        "WHERE trace_rowid IN {rowids:Array(Int64)} GROUP BY trace_rowid"
    )
    rows = ch.rows(sql, {"rowids": list(trace_rowids)})
    return {int(row["trace_rowid"]): int(row["at"]) for row in rows}


def changed_observations(
    ch: ClickHouse, wanted: Iterable[tuple[int, str, int]]
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """{(project, trace id): its observations changed after `since`} for each
    (project, trace id, since) wanted, in one read."""
    since = {(project, trace_id): after for project, trace_id, after in wanted}
    out: dict[tuple[int, str], list[dict[str, Any]]] = {key: [] for key in since}
    if not since:
        return out
    where = "(project_rowid, trace_id) IN {keys:Array(Tuple(Int64, String))}"
    sql = latest(ch.layout, "observations", where, _OBSERVATION_COLUMNS)
    for row in ch.rows(sql, {"keys": list(since)}):
        key = (int(row["project_rowid"]), str(row["trace_id"]))
        if row["updated_at"] > since[key]:
            out[key].append(row)
    return out


def write(
    ch: ClickHouse,
    changed: Sequence[Any],
    rows: dict[int, list[dict[str, Any]]],
    replaced: dict[int, list[str]],
) -> None:
    """Replace the chunks of the changed traces (their own, and those of the observations
    read again) with `rows`, their vectors dropped; then mark the traces read."""
    traces = {int(trace["trace_rowid"]): trace for trace in changed}
    stale = [f"{rowid}/{oid}" for rowid in rows for oid in ["", *replaced.get(rowid, [])]]
    _delete_stale(ch, list(rows), stale)
    chunks = [_chunk(row, traces[row["trace_rowid"]]) for per in rows.values() for row in per]
    search_schema.insert(ch, CHUNKS, chunks)
    marks = [
        {**_of_trace(trace), "indexed_at": int(trace["updated_at"])} for trace in traces.values()
    ]
    search_schema.insert(ch, TRACED, marks)


def _delete_stale(ch: ClickHouse, trace_rowids: list[int], stale: list[str]) -> None:
    """Delete the chunks (and vectors) of these (trace rowid/observation id) pairs, when there
    are any: a trace read for the first time costs no DELETE."""
    where = (
        "trace_rowid IN {rowids:Array(Int64)} "
        "AND concat(toString(trace_rowid), '/', observation_id) IN {stale:Array(String)}"
    )
    params = {"rowids": trace_rowids, "stale": stale}
    layout = ch.layout
    for name in (VECTORS, CHUNKS):
        if ch.value(f"SELECT count() FROM {layout.table(name)} WHERE {where}", params):
            ch.command(f"DELETE FROM {layout.local(name)}{layout.on_cluster} WHERE {where}", params)


def _of_trace(trace: Any) -> dict[str, Any]:
    return {
        "project_rowid": int(trace["project_rowid"]),
        "trace_rowid": int(trace["trace_rowid"]),
        "created_at": int(trace["created_at"]),
    }


def _chunk(row: dict[str, Any], trace: Any) -> dict[str, Any]:
    oid = row["observation_id"] or ""
    key = f"{trace['id']}/{oid}/{row['seq']}"
    return {
        **row,
        **_of_trace(trace),
        "chunk_rowid": _rowid(int(trace["project_rowid"]), key),
        "observation_id": oid,
        "is_test": bool(row["is_test"]),
        "indexed_at": int(trace["updated_at"]),
    }


def _rowid(project_rowid: int, key: str) -> int:
    return rowid(project_rowid, "chunk:" + key)


# --- vectors ------------------------------------------------------------------------------


def unembedded(ch: ClickHouse, project_rowid: int, limit: int) -> list[dict[str, Any]]:
    """The project's next chunks without a vector: (chunk_rowid, body), in rowid order."""
    sql = (
        f"SELECT chunk_rowid, body FROM {ch.layout.table(CHUNKS)} "
        "WHERE project_rowid = {project:Int64} AND chunk_rowid NOT IN ("
        f"SELECT chunk_rowid FROM {ch.layout.table(VECTORS)} "
        "WHERE project_rowid = {project:Int64}) ORDER BY chunk_rowid LIMIT {limit:Int64}"
    )
    return ch.rows(sql, {"project": project_rowid, "limit": limit})


def set_embeddings(ch: ClickHouse, vectors: list[tuple[int, bytes]]) -> None:
    """Store the vectors (float32 blobs) of these chunks (those deleted meanwhile skipped)."""
    blobs = dict(vectors)
    sql = (
        "SELECT chunk_rowid, project_rowid, trace_rowid, observation_id, created_at "
        f"FROM {ch.layout.table(CHUNKS)} WHERE chunk_rowid IN {{rowids:Array(Int64)}}"
    )
    rows = ch.rows(sql, {"rowids": list(blobs)})
    for row in rows:
        row["embedding"] = np.frombuffer(blobs[int(row["chunk_rowid"])], dtype="<f4").tolist()
    search_schema.insert(ch, VECTORS, rows)


def clear_embeddings(ch: ClickHouse, project_rowid: int) -> None:
    layout = ch.layout
    ch.command(
        f"DELETE FROM {layout.local(VECTORS)}{layout.on_cluster} "
        "WHERE project_rowid = {project:Int64}",
        {"project": project_rowid},
    )
