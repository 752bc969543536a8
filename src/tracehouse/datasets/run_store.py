"""SQL for dataset runs (experiments), their items, and the traces and scores they point at."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, delete, func, insert, select, update

from tracehouse.store.clickhouse import bridge, dispatch
from tracehouse.store.clickhouse import experiments as ch_experiments
from tracehouse.store.tables import (
    dataset_items,
    dataset_run_items,
    dataset_runs,
    datasets,
    observations,
    scores,
    traces,
)


def find_run(
    conn: Connection,
    project_rowid: int,
    *,
    id: str | None = None,
    dataset_rowid: int | None = None,
    name: str | None = None,
) -> Any:
    r = dataset_runs.c
    query = select(dataset_runs).where(r.project_rowid == project_rowid)
    if id is not None:
        query = query.where(r.id == id)
    else:
        query = query.where(r.dataset_rowid == dataset_rowid, r.name == name)
    return conn.execute(query).mappings().first()


def insert_run(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(dataset_runs).values(**values))


def update_run(conn: Connection, run_rowid: int, **values: Any) -> None:
    conn.execute(update(dataset_runs).where(dataset_runs.c.run_rowid == run_rowid).values(**values))


def delete_run(conn: Connection, run_rowid: int) -> None:
    conn.execute(delete(dataset_runs).where(dataset_runs.c.run_rowid == run_rowid))


def upsert_run_item(conn: Connection, run_rowid: int, values: dict[str, Any], now: int) -> Any:
    """Link an item to its trace in a run; linking the same item again moves the link."""
    ri = dataset_run_items.c
    where = and_(ri.run_rowid == run_rowid, ri.dataset_item_id == values["dataset_item_id"])
    found = conn.execute(select(dataset_run_items).where(where)).mappings().first()
    if found is None:
        conn.execute(
            insert(dataset_run_items).values(
                run_rowid=run_rowid, created_at=now, updated_at=now, **values
            )
        )
    else:
        changes = {k: v for k, v in values.items() if k != "id" and v is not None}
        conn.execute(update(dataset_run_items).where(where).values(updated_at=now, **changes))
    return conn.execute(select(dataset_run_items).where(where)).mappings().first()


def list_runs(
    conn: Connection, dataset_rowid: int, limit: int, offset: int
) -> tuple[list[Any], int]:
    r = dataset_runs.c
    query = (
        select(dataset_runs)
        .where(r.dataset_rowid == dataset_rowid)
        .order_by(r.created_at.desc(), r.run_rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    total = conn.execute(
        select(func.count()).select_from(dataset_runs).where(r.dataset_rowid == dataset_rowid)
    ).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def run_item_counts(conn: Connection, run_rowids: list[int]) -> dict[int, int]:
    ri = dataset_run_items.c
    query = (
        select(ri.run_rowid, func.count())
        .where(ri.run_rowid.in_(run_rowids))
        .group_by(ri.run_rowid)
    )
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def run_items(
    conn: Connection,
    project_rowid: int,
    run_rowids: list[int],
    limit: int = 10_000,
    offset: int = 0,
) -> list[Any]:
    """Run items with their run name and the latency, cost, tokens and output of their trace."""
    ri, r, t = dataset_run_items.c, dataset_runs.c, traces.c
    query = (
        select(dataset_run_items, r.id.label("run_id"), r.name.label("run_name"))
        .select_from(dataset_run_items)
        .join(dataset_runs, r.run_rowid == ri.run_rowid)
        .where(ri.run_rowid.in_(run_rowids))
        .order_by(ri.created_at, ri.run_item_rowid)
        .limit(limit)
        .offset(offset)
    )
    if dispatch.of(conn) is not None:
        # the traces are in ClickHouse: their columns are read there, by id
        items = [dict(row) for row in conn.execute(query).mappings()]
        return _with_traces(conn, project_rowid, items)
    joined = query.add_columns(*(t[name] for name in _RUN_TRACE_COLUMNS)).outerjoin(
        traces, and_(t.project_rowid == project_rowid, t.id == ri.trace_id)
    )
    return list(conn.execute(joined).mappings())


#: The trace columns a run item shows.
_RUN_TRACE_COLUMNS = ("latency_ms", "cost", "total_tokens", "status", "output", "models")


def _with_traces(
    conn: Connection, project_rowid: int, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`items` with the `_RUN_TRACE_COLUMNS` of their trace (None without one)."""
    t = traces.c
    ids = sorted({item["trace_id"] for item in items if item["trace_id"]})
    query = select(t.id, *(t[name] for name in _RUN_TRACE_COLUMNS)).where(
        t.project_rowid == project_rowid, t.id.in_(ids)
    )
    found = {row["id"]: row for row in bridge.read_mappings(conn, query, project_rowid)}
    for item in items:
        trace = found.get(item["trace_id"], {})
        item.update({name: trace.get(name) for name in _RUN_TRACE_COLUMNS})
    return items


def count_run_items(conn: Connection, run_rowids: list[int]) -> int:
    ri = dataset_run_items.c
    query = select(func.count()).select_from(dataset_run_items).where(ri.run_rowid.in_(run_rowids))
    return int(conn.execute(query).scalar_one())


def trace_scores(conn: Connection, project_rowid: int, trace_ids: list[str]) -> list[Any]:
    """Numeric and boolean scores on these traces or their observations."""
    s = scores.c
    query = select(s.trace_id, s.name, s.value).where(
        s.project_rowid == project_rowid,
        s.trace_id.in_(trace_ids),
        s.data_type.in_(("NUMERIC", "BOOLEAN")),
    )
    return bridge.read_mappings(conn, query, project_rowid)


def run_level_scores(conn: Connection, project_rowid: int, run_id: str) -> list[Any]:
    """Scores posted for the run itself (`datasetRunId`, kept in the score's metadata)."""
    s = scores.c
    literal = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f'%"dataset_run_id":"{literal}"%'
    query = select(s.name, s.value, s.string_value, s.data_type).where(
        s.project_rowid == project_rowid,
        s.trace_id.is_(None),
        s.metadata.like(pattern, escape="\\"),
    )
    return bridge.read_mappings(conn, query, project_rowid)


def trace_prompts(conn: Connection, project_rowid: int, trace_ids: list[str]) -> list[Any]:
    """The distinct prompt versions the observations of these traces used."""
    o = observations.c
    query = (
        select(o.prompt_name, o.prompt_version)
        .distinct()
        .where(
            o.project_rowid == project_rowid,
            o.trace_id.in_(trace_ids),
            o.prompt_name.is_not(None),
        )
        .order_by(o.prompt_name, o.prompt_version)
    )
    return bridge.read_mappings(conn, query, project_rowid)


def _experiment_stats() -> Any:
    ri, t = dataset_run_items.c, traces.c
    return (
        select(
            ri.run_rowid,
            func.min(t.start_time).label("first_start"),
            func.max(t.end_time).label("last_end"),
            func.count().label("item_count"),
        )
        .select_from(dataset_run_items)
        .join(dataset_runs, dataset_runs.c.run_rowid == ri.run_rowid)
        .outerjoin(
            traces, and_(t.project_rowid == dataset_runs.c.project_rowid, t.id == ri.trace_id)
        )
        .group_by(ri.run_rowid)
        .subquery()
    )


def _narrowed(
    query: Select[Any],
    start: ColumnElement[Any],
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    columns: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    """`start` within the window (open-ended when its end is None), each given filter and the
    other `conditions` (Langfuse's JSON filter)."""
    query = query.where(start >= window[0], *conditions)
    if window[1] is not None:
        query = query.where(start < window[1])
    for key, column in columns.items():
        if filters.get(key):
            query = query.where(column == filters[key])
    return query


def experiments(
    conn: Connection,
    project_rowid: int,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    limit: int,
    offset: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    """Runs as Langfuse experiments: start and end from their traces, newest first."""
    if dispatch.of(conn) is not None:
        page = (limit, offset)
        return ch_experiments.experiments(conn, project_rowid, window, filters, page, conditions)
    r, d = dataset_runs.c, datasets.c
    stats = _experiment_stats()
    start = func.coalesce(stats.c.first_start, r.created_at)
    query = (
        select(
            dataset_runs,
            d.id.label("dataset_id"),
            start.label("start_time"),
            stats.c.last_end.label("end_time"),
            func.coalesce(stats.c.item_count, 0).label("item_count"),
        )
        .join(datasets, d.dataset_rowid == r.dataset_rowid)
        .outerjoin(stats, stats.c.run_rowid == r.run_rowid)
        .where(r.project_rowid == project_rowid)
    )
    columns = {"id": r.id, "name": r.name, "dataset_id": d.id}
    query = _narrowed(query, start, window, filters, columns, conditions)
    query = query.order_by(start.desc(), r.run_rowid.desc()).limit(limit).offset(offset)
    return list(conn.execute(query).mappings())


def _last_item_version() -> Any:
    """The row of a run item's dataset item: its current version, or its last one if deleted."""
    ri, r = dataset_run_items.c, dataset_runs.c
    versions = dataset_items.alias("versions")
    return (
        select(func.max(versions.c.item_rowid))
        .where(versions.c.dataset_rowid == r.dataset_rowid, versions.c.id == ri.dataset_item_id)
        .scalar_subquery()
    )


def _experiment_item_columns(start: ColumnElement[Any]) -> list[Any]:
    ri, r, d, t, i = dataset_run_items.c, dataset_runs.c, datasets.c, traces.c, dataset_items.c
    return [
        ri.id.label("run_item_id"),
        ri.trace_id,
        ri.observation_id,
        ri.dataset_item_id,
        r.id.label("run_id"),
        r.name.label("run_name"),
        r.description.label("run_description"),
        r.metadata.label("run_metadata"),
        d.id.label("dataset_id"),
        start.label("start_time"),
        t.end_time,
        t.status,
        t.environment,
        t.input,
        t.output,
        t.metadata,
        i.input.label("item_input"),
        i.expected_output,
        i.metadata.label("item_metadata"),
        i.valid_from.label("item_version"),
    ]


def experiment_items(
    conn: Connection,
    project_rowid: int,
    window: tuple[int, int | None],
    filters: dict[str, str | None],
    limit: int,
    offset: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    """Run items with their run, dataset item (current or last version) and trace."""
    if dispatch.of(conn) is not None:
        page = (limit, offset)
        return ch_experiments.experiment_items(
            conn, project_rowid, window, filters, page, conditions
        )
    ri, r, d, t, i = dataset_run_items.c, dataset_runs.c, datasets.c, traces.c, dataset_items.c
    start = func.coalesce(t.start_time, ri.created_at)
    query = (
        select(*_experiment_item_columns(start))
        .select_from(dataset_run_items)
        .join(dataset_runs, r.run_rowid == ri.run_rowid)
        .join(datasets, d.dataset_rowid == r.dataset_rowid)
        .outerjoin(traces, and_(t.project_rowid == project_rowid, t.id == ri.trace_id))
        .outerjoin(dataset_items, i.item_rowid == _last_item_version())
        .where(r.project_rowid == project_rowid)
    )
    columns = {
        "experiment_id": r.id,
        "experiment_name": r.name,
        "experiment_item_id": ri.dataset_item_id,
        "dataset_id": d.id,
    }
    query = _narrowed(query, start, window, filters, columns, conditions)
    query = query.order_by(start.desc(), ri.run_item_rowid.desc()).limit(limit).offset(offset)
    return list(conn.execute(query).mappings())
