"""What the write path reads back from ClickHouse: stored rows, a trace's observation totals
and steps, an open streamed generation. Always the latest version of each row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from tracehouse.store.clickhouse.schema import latest

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_PROJECT = "project_rowid = {project:Int64}"


class Totals(NamedTuple):
    """A trace's observations of one model, summed: the columns of `ingest.store._TOTALS`, in
    its order (`ingest.store.rolled_up` reads them by name and by position)."""

    trace_id: str
    model: str | None
    warnings: int
    root_errors: int
    first: int
    last: int
    calls: int
    failed_calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost: float
    duration_sum: float
    duration_count: int


class Step(NamedTuple):
    """A trace's step, as `ingest.store.repeats_a_failure` reads it."""

    trace_id: str
    id: str
    name: str | None
    parent_id: str | None
    start_time: int
    level: str


def full_rows(
    ch: ClickHouse, name: str, project_rowid: int, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The stored rows (every column) of `ids` that exist, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sql = latest(ch.layout, name, f"{_PROJECT} AND id IN {{ids:Array(String)}}")
    rows = ch.rows(sql, {"project": project_rowid, "ids": wanted})
    return {row["id"]: row for row in rows}


_TOTALS = """
SELECT trace_id, model,
    countIf(level = 'WARNING') AS warnings,
    countIf(level = 'ERROR' AND parent_id IS NULL) AS root_errors,
    min(start_time) AS first,
    max(coalesce(end_time, start_time)) AS last,
    count() AS calls,
    countIf(level = 'ERROR') AS failed_calls,
    sum(coalesce(input_tokens, 0)) AS input_tokens,
    sum(coalesce(output_tokens, 0)) AS output_tokens,
    sum(coalesce(total_tokens, 0)) AS total_tokens,
    sum(coalesce(reported_total_cost, computed_total_cost, 0)) AS cost,
    sum(coalesce((end_time - start_time) / 1000.0, 0)) AS duration_sum,
    count(end_time) AS duration_count
FROM ({latest})
GROUP BY trace_id, model
"""


def totals(ch: ClickHouse, project_rowid: int, trace_ids: list[str]) -> dict[str, list[Totals]]:
    """Each trace's observation totals per model (the model None included), for the traces
    that have observations."""
    where = f"{_PROJECT} AND trace_id IN {{ids:Array(String)}}"
    sql = _TOTALS.format(latest=latest(ch.layout, "observations", where))
    groups: dict[str, list[Totals]] = {}
    for row in ch.client.query(
        sql, parameters={"project": project_rowid, "ids": trace_ids}
    ).result_rows:
        groups.setdefault(row[0], []).append(Totals(*row))
    return groups


def steps(ch: ClickHouse, project_rowid: int, trace_ids: list[str]) -> dict[str, list[Step]]:
    """The steps of each trace (for `ingest.store.repeats_a_failure`)."""
    if not trace_ids:
        return {}
    columns = "trace_id, id, name, parent_id, start_time, level"
    where = f"{_PROJECT} AND trace_id IN {{ids:Array(String)}}"
    sql = latest(ch.layout, "observations", where, columns)
    found: dict[str, list[Step]] = {}
    for row in ch.client.query(
        sql, parameters={"project": project_rowid, "ids": trace_ids}
    ).result_rows:
        found.setdefault(row[0], []).append(Step(*row[:6]))
    return found


def open_generation(
    ch: ClickHouse, project_rowid: int, trace_id: str, parent_id: str | None, before: int
) -> str | None:
    """`ingest.store.open_generation` on ClickHouse."""
    where = f"{_PROJECT} AND trace_id = {{trace:String}}"
    parent = "parent_id IS NULL" if parent_id is None else "parent_id = {parent:String}"
    sql = (
        f"SELECT id FROM ({latest(ch.layout, 'observations', where)}) WHERE {parent} "
        "AND type = 'generation' AND output IS NULL AND start_time <= {before:Int64} "
        "ORDER BY start_time DESC LIMIT 1"
    )
    params: dict[str, Any] = {"project": project_rowid, "trace": trace_id, "before": before}
    if parent_id is not None:
        params["parent"] = parent_id
    found = ch.value(sql, params)
    return None if found is None else str(found)
