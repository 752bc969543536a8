"""Langfuse experiments (dataset runs) when traces are in ClickHouse: the runs and their items
come from the relational database, their traces' times and fields from ClickHouse by id; the
start-time window, order and page are then applied here, as `datasets.run_store` does in SQL
(start = the first trace's start, else the run's or item's creation)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import dataset_items, dataset_run_items, dataset_runs, datasets, traces

_ITEM_TRACE_COLUMNS = (
    "start_time",
    "end_time",
    "status",
    "environment",
    "input",
    "output",
    "metadata",
)


def trace_fields(
    conn: Connection, project_rowid: int, trace_ids: Iterable[str | None], names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """{trace id: {column: value}} of the stored traces among the ids."""
    t = traces.c
    wanted = sorted({trace_id for trace_id in trace_ids if trace_id})
    query = select(t.id, *(t[name] for name in names)).where(
        t.project_rowid == project_rowid, t.id.in_(wanted)
    )
    return {row["id"]: row for row in bridge.read_mappings(conn, query, project_rowid)}


def _within(rows: list[dict[str, Any]], window: tuple[int, int | None]) -> list[dict[str, Any]]:
    return [
        row
        for row in rows
        if row["start_time"] >= window[0] and (window[1] is None or row["start_time"] < window[1])
    ]


def _where(
    query: Any, filters: Mapping[str, str | None], columns: Mapping[str, Any], conditions: Any
) -> Any:
    query = query.where(*conditions)
    for key, column in columns.items():
        if filters.get(key):
            query = query.where(column == filters[key])
    return query


def experiments(
    conn: Connection,
    project_rowid: int,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    page: tuple[int, int],
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[dict[str, Any]]:
    """`run_store.experiments` (page = limit, offset)."""
    r, d, ri = dataset_runs.c, datasets.c, dataset_run_items.c
    query = (
        select(dataset_runs, d.id.label("dataset_id"))
        .join(datasets, d.dataset_rowid == r.dataset_rowid)
        .where(r.project_rowid == project_rowid)
    )
    columns = {"id": r.id, "name": r.name, "dataset_id": d.id}
    runs = [
        dict(row) for row in conn.execute(_where(query, filters, columns, conditions)).mappings()
    ]
    links = conn.execute(
        select(ri.run_rowid, ri.trace_id).where(
            ri.run_rowid.in_([run["run_rowid"] for run in runs])
        )
    ).all()
    times = trace_fields(
        conn, project_rowid, (link.trace_id for link in links), ("start_time", "end_time")
    )
    for run in runs:
        mine = [
            times.get(link.trace_id or "") for link in links if link.run_rowid == run["run_rowid"]
        ]
        starts = [found["start_time"] for found in mine if found]
        ends = [found["end_time"] for found in mine if found and found["end_time"] is not None]
        run.update(
            start_time=min(starts, default=run["created_at"]),
            end_time=max(ends, default=None),
            item_count=len(mine),
        )
    ordered = sorted(
        _within(runs, window), key=lambda run: (run["start_time"], run["run_rowid"]), reverse=True
    )
    return ordered[page[1] : page[1] + page[0]]


def _item_query(project_rowid: int) -> Any:
    """The project's run items with their run, dataset and dataset item (current or last
    version), as `run_store.experiment_items` selects them, less the trace's columns."""
    ri, r, d, i = dataset_run_items.c, dataset_runs.c, datasets.c, dataset_items.c
    versions = dataset_items.alias("versions")
    last = (
        select(func.max(versions.c.item_rowid))
        .where(versions.c.dataset_rowid == r.dataset_rowid, versions.c.id == ri.dataset_item_id)
        .scalar_subquery()
    )
    query = (
        select(
            ri.id.label("run_item_id"),
            ri.trace_id,
            ri.observation_id,
            ri.dataset_item_id,
            ri.created_at.label("item_created_at"),
            ri.run_item_rowid,
            r.id.label("run_id"),
            r.name.label("run_name"),
            r.description.label("run_description"),
            r.metadata.label("run_metadata"),
            d.id.label("dataset_id"),
            i.input.label("item_input"),
            i.expected_output,
            i.metadata.label("item_metadata"),
            i.valid_from.label("item_version"),
        )
        .select_from(dataset_run_items)
        .join(dataset_runs, r.run_rowid == ri.run_rowid)
        .join(datasets, d.dataset_rowid == r.dataset_rowid)
        .outerjoin(dataset_items, i.item_rowid == last)
        .where(r.project_rowid == project_rowid)
    )
    return query


def experiment_items(
    conn: Connection,
    project_rowid: int,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    page: tuple[int, int],
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[dict[str, Any]]:
    """`run_store.experiment_items` (page = limit, offset)."""
    ri, r, d = dataset_run_items.c, dataset_runs.c, datasets.c
    query = _item_query(project_rowid)
    columns = {
        "experiment_id": r.id,
        "experiment_name": r.name,
        "experiment_item_id": ri.dataset_item_id,
        "dataset_id": d.id,
    }
    items = [
        dict(row) for row in conn.execute(_where(query, filters, columns, conditions)).mappings()
    ]
    found = trace_fields(
        conn, project_rowid, (item["trace_id"] for item in items), _ITEM_TRACE_COLUMNS
    )
    for item in items:
        trace = found.get(item["trace_id"] or "", {})
        item.update({name: trace.get(name) for name in _ITEM_TRACE_COLUMNS})
        if item["start_time"] is None:
            item["start_time"] = item["item_created_at"]
    key = lambda item: (item["start_time"], item["run_item_rowid"])  # noqa: E731
    ordered = sorted(_within(items, window), key=key, reverse=True)
    return ordered[page[1] : page[1] + page[0]]
