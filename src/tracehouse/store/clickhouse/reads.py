"""The trace API's reads on ClickHouse: one trace, its observations and scores, trace ids of
observations. Every read takes the latest version of each row (`schema.latest`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tracehouse.store.clickhouse.schema import latest

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_PROJECT = "project_rowid = {project:Int64}"


def get_trace(ch: ClickHouse, project_rowid: int, trace_id: str) -> dict[str, Any] | None:
    sql = latest(ch.layout, "traces", f"{_PROJECT} AND id = {{id:String}}")
    rows = ch.rows(sql, {"project": project_rowid, "id": trace_id})
    return rows[0] if rows else None


def trace_observations(ch: ClickHouse, project_rowid: int, trace_id: str) -> list[dict[str, Any]]:
    sql = latest(ch.layout, "observations", f"{_PROJECT} AND trace_id = {{trace:String}}")
    ordered = f"SELECT * FROM ({sql}) ORDER BY start_time, observation_rowid"
    return ch.rows(ordered, {"project": project_rowid, "trace": trace_id})


def trace_scores(ch: ClickHouse, project_rowid: int, trace_id: str) -> list[dict[str, Any]]:
    # a score's trace may change: its ids come from any version, the trace is tested on the latest
    table = ch.layout.table("scores")
    some = f"SELECT id FROM {table} WHERE {_PROJECT} AND trace_id = {{trace:String}}"
    sql = latest(ch.layout, "scores", f"{_PROJECT} AND id IN ({some})")
    ordered = (
        f"SELECT * FROM ({sql}) WHERE trace_id = {{trace:String}} ORDER BY timestamp, score_rowid"
    )
    return ch.rows(ordered, {"project": project_rowid, "trace": trace_id})


def traces_of_observations(
    ch: ClickHouse, project_rowid: int, observation_ids: Iterable[str]
) -> dict[str, str]:
    """{observation id: its trace id} for the stored observations among the ids."""
    sql = latest(
        ch.layout, "observations", f"{_PROJECT} AND id IN {{ids:Array(String)}}", "id, trace_id"
    )
    rows = ch.rows(sql, {"project": project_rowid, "ids": sorted(set(observation_ids))})
    return {row["id"]: row["trace_id"] for row in rows}
