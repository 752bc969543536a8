"""SQL of the write path: read what is stored for a batch, upsert rows, roll up trace totals."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)

from tracehouse import jsontext
from tracehouse.analytics.contrib import SCORED_TYPES, TraceState, model_calls
from tracehouse.store.locks import transaction_locks
from tracehouse.store.tables import observations, scores, trace_model_calls, traces
from tracehouse.store.tables.analytics import MODEL_FIGURES
from tracehouse.store.upsert import insert_many, upsert

_CHUNK = 500
TRACE_STORED = (
    "id",
    "tags",
    "metadata",
    "start_time",
    "public",
    "bookmarked",
    # what the trace counts for in the analytics roll-ups (`contrib.TraceState`)
    "environment",
    "name",
    "status",
    "user_id",
    "latency_ms",
    "observation_count",
    "total_tokens",
    "cost",
    "retried",
    "model_calls",
    "release",
)
OBSERVATION_STORED = (
    "id",
    "trace_id",
    "type",
    "level",
    "start_time",
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "reported_input_cost",
    "reported_output_cost",
    "reported_total_cost",
    "metadata",
    "attributes",
    "model_parameters",
)


def chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lock_traces(conn: Connection, project_rowid: int, trace_ids: Iterable[str]) -> None:
    """On PostgreSQL, hold a transaction-scoped lock on each trace before reading it.

    Several server processes can write at once there; without this, a writer that read a trace
    before another one's commit would overwrite that commit's tags, metadata and models with
    its own merge. SQLite's write lock already makes whole transactions take turns."""
    transaction_locks(conn, (_lock_key(project_rowid, trace_id) for trace_id in trace_ids))


def _lock_key(project_rowid: int, trace_id: str) -> int:
    digest = hashlib.blake2b(f"{project_rowid}/{trace_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def fetch_stored(
    conn: Connection, table: Table, project_rowid: int, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The stored columns the merge needs, for the rows of `ids` that exist."""
    query = _stored_query(table)
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(ids))):
        for row in _select_in(conn, query, project_rowid, part).mappings():
            found[row["id"]] = dict(row)
    return found


#: (dialect, statement, id count) → (SQL, its constant parameters, parameter order or None)
_rendered: dict[tuple[str, int, int], tuple[str, dict[str, Any], list[str] | None]] = {}


def _select_in(
    conn: Connection, query: Select[Any], project_rowid: int, ids: Sequence[str]
) -> CursorResult[Any]:
    """Run `query` (parameters `project` and an expanding `ids`) at driver level. Its SQL for
    each number of ids is rendered once: SQLAlchemy would otherwise expand and name a parameter
    for every id of every batch, a real cost on the write path."""
    key = (conn.dialect.name, id(query), len(ids))
    rendered = _rendered.get(key)
    if rendered is None:
        compiled = query.compile(dialect=conn.dialect)
        state = compiled.construct_expanded_state({"project": project_rowid, "ids": list(ids)})
        names = list(state.positiontup) if state.positiontup else None
        rendered = _rendered[key] = (state.statement, dict(compiled.params), names)
    sql, constants, names = rendered
    values = {**constants, "project": project_rowid}
    values.update((f"ids_{n}", value) for n, value in enumerate(ids, start=1))
    return conn.exec_driver_sql(sql, tuple(values[n] for n in names) if names else values)


@functools.cache
def _stored_query(table: Table) -> Select[Any]:
    # One statement object per table with expanding parameters: SQLAlchemy compiles it once
    # instead of coercing every id of every batch into a literal bind.
    names = TRACE_STORED if table is traces else OBSERVATION_STORED
    return select(*(table.c[name] for name in names)).where(
        table.c.project_rowid == bindparam("project"),
        table.c.id.in_(bindparam("ids", expanding=True)),
    )


def write_rows(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    project_rowid: int,
    is_test: bool,
    now: int,
) -> None:
    """Upsert rows of one project; the first writer's test flag and creation time stay."""
    if not rows:
        return
    for row in rows:
        row["project_rowid"] = project_rowid
        row["is_test"] = is_test
        row["created_at"] = now
        row["updated_at"] = now
    upsert(
        conn,
        table,
        rows,
        ("project_rowid", "id"),
        keep_existing=("is_test", "created_at"),
        # A score is replaced whole by a retry; traces and observations merge column by column.
        replace=tuple(rows[0]) if table is scores else ("updated_at",),
    )


def retried(conn: Connection, project_rowid: int, trace_ids: Sequence[str]) -> set[str]:
    """Those of the traces that repeated a failed step: a step with the same parent and name
    at or after it (what `traces.retried` holds). Decided here from each trace's steps, read
    through its index, rather than by a self-join the planner could take by time."""
    steps: dict[str, list[Any]] = {}
    for part in chunks(sorted(trace_ids)):
        for row in _select_in(conn, _STEPS, project_rowid, part):
            steps.setdefault(row.trace_id, []).append(row)
    return {trace_id for trace_id, rows in steps.items() if repeats_a_failure(rows)}


def repeats_a_failure(steps: Sequence[Any]) -> bool:
    """Whether a named failed step (level ERROR) is followed by another with its name and
    parent (each step: id, name, parent_id, start_time, level)."""
    failed = [s for s in steps if s.level == "ERROR" and s.name is not None]
    return any(
        other.id != step.id
        and other.name == step.name
        and other.parent_id == step.parent_id
        and other.start_time >= step.start_time
        for step in failed
        for other in steps
    )


def _totals(
    conn: Connection, project_rowid: int, trace_ids: Iterable[str]
) -> Iterator[tuple[str, list[Any]]]:
    """(trace id, its observation totals per model, the model None included) of the traces
    that have observations."""
    for part in chunks(sorted(trace_ids)):
        groups: dict[str, list[Any]] = {}
        for row in _select_in(conn, _TOTALS, project_rowid, part):
            groups.setdefault(row.trace_id, []).append(row)
        yield from groups.items()


_FIGURES = slice(6, 6 + len(MODEL_FIGURES))  # of a `_TOTALS` row
_SUMMED = slice(6, 12)  # calls, failed calls, input, output and total tokens, cost


def calls_by_model(groups: list[Any]) -> dict[str, tuple[float, ...]]:
    return {g.model: model_calls(g[_FIGURES]) for g in groups if g.model is not None}


def roll_up(
    conn: Connection,
    project_rowid: int,
    trace_ids: Iterable[str],
    before: Mapping[str, TraceState],
) -> dict[str, TraceState]:
    """Recompute the totals, time span, status, retry and model calls of the given traces from
    their observations; returns what each now counts for in the analytics roll-ups. `before`:
    what the stored ones counted for (their `trace_model_calls` are rewritten only if their
    model calls changed)."""
    states: dict[str, TraceState] = {}
    for part in chunks(sorted(trace_ids)):
        totals = dict(_totals(conn, project_rowid, part))
        failed = [t for t, groups in totals.items() if any(g.failed_calls for g in groups)]
        again = retried(conn, project_rowid, failed)
        current = _select_in(conn, _CURRENT, project_rowid, part).mappings().all()
        calls = [calls_by_model(totals.get(t["id"], [])) for t in current]
        rows = [
            rolled_up(t, totals.get(t["id"], []), models, t["id"] in again)
            for t, models in zip(current, calls, strict=True)
        ]
        if not rows:
            continue
        conn.execute(_ROLLUP_UPDATE, [{**p, "p_project": project_rowid} for p in rows])
        changed = [
            (t["trace_rowid"], models)
            for t, models in zip(current, calls, strict=True)
            if t["id"] not in before or before[t["id"]].models != models
        ]
        replace_model_calls(conn, [rowid for rowid, _ in changed], [m for _, m in changed])
        for trace, row, models in zip(current, rows, calls, strict=True):
            states[trace["id"]] = TraceState.of({**trace, **row}, models=models)
    return states


def replace_model_calls(
    conn: Connection, rowids: list[int], calls: list[dict[str, tuple[float, ...]]]
) -> None:
    """The traces' rows of `trace_model_calls`: their model calls as just rolled up."""
    if not rowids:
        return
    c = trace_model_calls.c
    conn.execute(delete(trace_model_calls).where(c.trace_rowid.in_(rowids)))
    rows = [
        {"trace_rowid": rowid, "model": model, **dict(zip(MODEL_FIGURES, figures, strict=True))}
        for rowid, models in zip(rowids, calls, strict=True)
        for model, figures in models.items()
    ]
    insert_many(conn, trace_model_calls, rows)


_o = observations
_TOTALS = (
    select(
        _o.c.trace_id,
        _o.c.model,
        func.sum(case((_o.c.level == "WARNING", 1), else_=0)).label("warnings"),
        # a top-level observation at ERROR: the run itself failed (`_status`)
        func.sum(case((and_(_o.c.level == "ERROR", _o.c.parent_id.is_(None)), 1), else_=0)).label(
            "root_errors"
        ),
        func.min(_o.c.start_time).label("first"),
        func.max(func.coalesce(_o.c.end_time, _o.c.start_time)).label("last"),
        # from here on (`_FIGURES`): the figures of model calls (`MODEL_FIGURES`), as
        # `analytics.store` sums them; the first six are the trace's totals too (`_SUMMED`)
        func.count().label("calls"),
        func.sum(case((_o.c.level == "ERROR", 1), else_=0)).label("failed_calls"),
        func.coalesce(func.sum(_o.c.input_tokens), 0).label("input_tokens"),
        func.coalesce(func.sum(_o.c.output_tokens), 0).label("output_tokens"),
        func.coalesce(func.sum(_o.c.total_tokens), 0).label("total_tokens"),
        func.coalesce(
            func.sum(func.coalesce(_o.c.reported_total_cost, _o.c.computed_total_cost)), 0.0
        ).label("cost"),
        func.coalesce(func.sum((_o.c.end_time - _o.c.start_time) / 1000.0), 0.0).label(
            "duration_sum"
        ),
        func.count(_o.c.end_time).label("duration_count"),
    )
    .where(
        _o.c.project_rowid == bindparam("project"),
        _o.c.trace_id.in_(bindparam("ids", expanding=True)),
    )
    .group_by(_o.c.trace_id, _o.c.model)
)
_CURRENT = select(
    traces.c.trace_rowid,
    traces.c.id,
    traces.c.start_time,
    traces.c.end_time,
    traces.c.reported_status,
    traces.c.environment,
    traces.c.name,
    traces.c.user_id,
    traces.c.metadata,
    traces.c.release,
).where(
    traces.c.project_rowid == bindparam("project"),
    traces.c.id.in_(bindparam("ids", expanding=True)),
)
_STEPS = select(
    _o.c.trace_id, _o.c.id, _o.c.name, _o.c.parent_id, _o.c.start_time, _o.c.level
).where(
    _o.c.project_rowid == bindparam("project"),
    _o.c.trace_id.in_(bindparam("ids", expanding=True)),
)


def rolled_up(
    trace: Any, groups: list[Any], calls: dict[str, tuple[float, ...]], retried: bool
) -> dict[str, Any]:
    summed = [sum(column) for column in zip(*(g[_SUMMED] for g in groups), strict=True)]
    n, errors, input_tokens, output_tokens, total_tokens, cost = summed or (0,) * 6
    start, end = trace["start_time"], trace["end_time"]
    if groups:
        start = min(start, *(g.first for g in groups))
        end = max(v for v in (end, *(g.last for g in groups)) if v is not None)
    return {
        "p_id": trace["id"],
        "start_time": start,
        "end_time": end,
        "latency_ms": (end - start) / 1000.0 if end is not None else None,
        "observation_count": int(n),
        "error_count": int(errors),
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "total_tokens": int(total_tokens),
        "cost": float(cost),
        "models": jsontext.dumps(sorted(calls)) if calls else None,
        "status": _status(trace["reported_status"], groups, int(errors)),
        "retried": retried,
        "model_calls": jsontext.dumps(calls) if calls else None,
    }


def _status(reported: str | None, groups: list[Any], errors: int) -> str:
    """`error`: the run failed (it says so, or a top-level observation is at ERROR);
    `warning`: it has errors in some steps (or warnings), or says so; else `ok`."""
    if reported == "error" or any(g.root_errors for g in groups):
        return "error"
    if reported == "warning" or errors or any(g.warnings for g in groups):
        return "warning"
    return "ok"


_ROLLUP_UPDATE = (
    update(traces)
    .where(
        and_(
            traces.c.project_rowid == bindparam("p_project"),
            traces.c.id == bindparam("p_id"),
        )
    )
    .values(
        {
            name: bindparam(name)
            for name in (
                "start_time",
                "end_time",
                "latency_ms",
                "observation_count",
                "error_count",
                "input_tokens",
                "output_tokens",
                "total_tokens",
                "cost",
                "models",
                "status",
                "retried",
                "model_calls",
            )
        }
    )
)


def open_generation(
    conn: Connection, project_rowid: int, trace_id: str, parent_id: str | None, before: int
) -> str | None:
    """The latest stored generation of a trace under `parent_id` that started at or before
    `before` and has no output yet (the request of a streamed call, `ingest.streamed`)."""
    o = observations.c
    parent = o.parent_id.is_(None) if parent_id is None else o.parent_id == parent_id
    found = conn.execute(
        select(o.id)
        .where(
            o.project_rowid == project_rowid,
            o.trace_id == trace_id,
            parent,
            o.type == "generation",
            o.output.is_(None),
            o.start_time <= before,
        )
        .order_by(o.start_time.desc())
        .limit(1)
    ).scalar()
    return None if found is None else str(found)


_SCORE_VALUES = select(
    scores.c.id, scores.c.trace_id, scores.c.name, scores.c.data_type, scores.c.value
).where(
    scores.c.project_rowid == bindparam("project"),
    scores.c.id.in_(bindparam("ids", expanding=True)),
)
_TRACE_VERSIONS = select(
    traces.c.id, traces.c.start_time, traces.c.metadata, traces.c.release
).where(
    traces.c.project_rowid == bindparam("project"),
    traces.c.id.in_(bindparam("ids", expanding=True)),
)


def score_values(conn: Connection, project_rowid: int, ids: Iterable[str]) -> list[Any]:
    """(id, trace_id, name, data_type, value) of the stored scores of `ids`."""
    found: list[Any] = []
    for part in chunks(sorted(set(ids))):
        found += _select_in(conn, _SCORE_VALUES, project_rowid, part).all()
    return found


def trace_versions(conn: Connection, project_rowid: int, ids: Iterable[str]) -> dict[str, Any]:
    """{id: (id, start_time, metadata, release)} of the stored traces of `ids`."""
    found: dict[str, Any] = {}
    for part in chunks(sorted(set(ids))):
        found.update(
            (row[0], row) for row in _select_in(conn, _TRACE_VERSIONS, project_rowid, part)
        )
    return found


_TRACE_SCORES = select(scores.c.trace_id, scores.c.name, scores.c.data_type, scores.c.value).where(
    scores.c.project_rowid == bindparam("project"),
    scores.c.trace_id.in_(bindparam("ids", expanding=True)),
)


def numeric_scores(conn: Connection, project_rowid: int, trace_ids: Iterable[str]) -> list[Any]:
    """(trace_id, name, value) of the numeric and boolean scores of these traces."""
    found: list[Any] = []
    for part in chunks(sorted(set(trace_ids))):
        rows: list[Any] = list(_select_in(conn, _TRACE_SCORES, project_rowid, part))
        found += [(r[0], r[1], r[3]) for r in rows if r[2] in SCORED_TYPES and r[3] is not None]
    return found
