"""Deletes on ClickHouse: one trace (lightweight DELETE of its rows in every table, its search
chunks and vectors included), and the retention job's purges (test data past its days, a
project's data past its retention; the purged traces' search rows with them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracehouse.store.clickhouse import rollups, search_schema
from tracehouse.store.clickhouse.schema import latest

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_PROJECT = "project_rowid = {project:Int64}"


def _delete(ch: ClickHouse, name: str, where: str, params: dict[str, object]) -> None:
    layout = ch.layout
    ch.command(f"DELETE FROM {layout.local(name)}{layout.on_cluster} WHERE {where}", params)


def delete_trace(ch: ClickHouse, project_rowid: int, trace_id: str) -> int:
    """Delete a trace, its observations, scores and model calls; 1 if it existed, else 0."""
    params: dict[str, object] = {"project": project_rowid, "trace": trace_id}
    found = ch.value(
        f"SELECT trace_rowid FROM {ch.layout.table('traces')} "
        f"WHERE {_PROJECT} AND id = {{trace:String}} LIMIT 1",
        params,
    )
    if found is None:
        return 0
    params["rowid"] = int(found)
    source = latest(ch.layout, "traces", f"{_PROJECT} AND id = {{trace:String}}")
    rollups.subtract(ch, project_rowid, rollups.states(ch, source, params))
    search_schema.delete(ch, f"{_PROJECT} AND trace_rowid = {{rowid:Int64}}", params)
    _delete(ch, "trace_model_calls", f"{_PROJECT} AND trace_rowid = {{rowid:Int64}}", params)
    for name in ("observations", "scores"):
        _delete(ch, name, f"{_PROJECT} AND trace_id = {{trace:String}}", params)
    _delete(ch, "traces", f"{_PROJECT} AND id = {{trace:String}}", params)
    return 1


def _purge(
    ch: ClickHouse, scope: str, wheres: dict[str, str], params: dict[str, object]
) -> tuple[int, ...]:
    """Delete every version of the rows whose latest version matches each table's condition
    (`scope`: a condition on key columns, narrowing the search); how many traces,
    observations and scores went. Model calls go with their traces."""
    counts = []
    for name, where in wheres.items():
        source = latest(ch.layout, name, scope)
        keys = "project_rowid, trace_rowid" if name == "traces" else "project_rowid, id"
        gone = f"SELECT {keys} FROM ({source}) WHERE {where}"
        counts.append(int(ch.value(f"SELECT count() FROM ({gone})", params) or 0))
        if not counts[-1]:
            continue
        if name == "traces":
            _subtract(ch, source, where, params)
            _delete(ch, "trace_model_calls", f"({keys}) IN ({gone})", params)
            search_schema.delete_traces(ch, gone, params)
        _delete(ch, name, f"({keys}) IN ({gone})", params)
    return tuple(counts)


def _subtract(ch: ClickHouse, source: str, where: str, params: dict[str, object]) -> None:
    """Count the traces about to go out of their projects' roll-ups."""
    projects = ch.rows(f"SELECT DISTINCT project_rowid AS p FROM ({source}) WHERE {where}", params)
    for found in projects:
        chosen = f"SELECT * FROM ({source}) WHERE ({where}) AND project_rowid = {{only:Int64}}"
        states = rollups.states(ch, chosen, {**params, "only": found["p"]})
        rollups.subtract(ch, int(found["p"]), states)


def purge_test_data(ch: ClickHouse, cutoff: int) -> tuple[int, ...]:
    """Test-key data written before `cutoff` (µs)."""
    where = "is_test AND created_at < {cutoff:Int64}"
    wheres = dict.fromkeys(("traces", "observations", "scores"), where)
    return _purge(ch, "1", wheres, {"cutoff": cutoff})


def purge_project(ch: ClickHouse, project_rowid: int, cutoff: int) -> tuple[int, ...]:
    """A project's data that started (scores: was given) before `cutoff` (µs)."""
    wheres = {
        "traces": "start_time < {cutoff:Int64}",
        "observations": "start_time < {cutoff:Int64}",
        "scores": "timestamp < {cutoff:Int64}",
    }
    return _purge(ch, _PROJECT, wheres, {"project": project_rowid, "cutoff": cutoff})
