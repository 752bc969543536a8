"""The daily analytics roll-ups on ClickHouse: the relational `analytics_daily`,
`analytics_daily_models` and `analytics_daily_users` (same names, dimensions and figures) as
`SummingMergeTree` tables fed with the same signed deltas (`analytics.contrib.Deltas`: a
trace's new contribution minus the one of the version it replaces, computed by
`pipeline.write_batch` for every store), so a re-sent or updated trace never counts twice and
a merge of parts keeps the sums. Deletes and purges insert the removed traces' contributions
negated (`subtract`). The latency histogram is a `Nested` column ending in `Map`, which the
engine sums per bucket. Reads group and sum (parts not yet merged hold several rows per key):
`rows` runs the relational roll-up queries (`analytics.rollup_store`) on these tables.
`rebuild` recomputes a project's roll-ups from its current traces (backfill)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Select, Table, literal_column
from sqlalchemy.dialects import postgresql

from tracehouse.analytics.contrib import APPENDED, DIMENSIONS, FIGURES, Deltas, TraceState
from tracehouse.analytics.sketch import Sketch
from tracehouse.store.tables import analytics_daily, analytics_daily_models, analytics_daily_users

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse
    from tracehouse.store.clickhouse.schema import Layout

#: The roll-ups ClickHouse keeps (the version ones stay relational-only for now).
TABLES: tuple[Table, ...] = (analytics_daily, analytics_daily_models, analytics_daily_users)
_log = logging.getLogger(__name__)
_HIST = ("`latencyMap.bucket` Array(Int32)", "`latencyMap.n` Array(Int64)")
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
#: The trace columns a trace's roll-up state is built from (`TraceState.of`).
STATE_COLUMNS = (
    "start_time, environment, name, status, user_id, latency_ms, observation_count, "
    "total_tokens, cost, retried, model_calls, metadata, release"
)


def _type(table: Table, name: str) -> str:
    column = table.c[name]
    if name in FIGURES[table]:
        return "Float64" if column.type.python_type is float else "Int64"
    if name in ("project_rowid", "day"):
        return "Int64"
    return "Nullable(String)" if column.nullable else "String"


def _columns(table: Table) -> list[str]:
    names = ["project_rowid", *DIMENSIONS[table], *FIGURES[table]]
    lines = [f"`{n}` {_type(table, n)}" for n in names]
    return lines + list(_HIST) if table is analytics_daily else lines


def _engine(layout: Layout, name: str) -> str:
    if not layout.cluster:
        return "SummingMergeTree"
    path = f"/clickhouse/tables/{{shard}}/{layout.database}/{name}_local"
    return f"ReplicatedSummingMergeTree('{path}', '{{replica}}')"


def ddl(layout: Layout) -> list[str]:
    """The roll-up tables (idempotent: IF NOT EXISTS), Distributed ones on a cluster."""
    out = []
    for table in TABLES:
        name, body = table.name, ",\n    ".join(_columns(table))
        key = ", ".join(("project_rowid", *DIMENSIONS[table]))
        out.append(
            f"CREATE TABLE IF NOT EXISTS {layout.local(name)}{layout.on_cluster}\n"
            f"(\n    {body}\n)\nENGINE = {_engine(layout, name)}\n"
            "PARTITION BY toYYYYMM(fromUnixTimestamp64Micro(day))\n"
            f"ORDER BY ({key})\nSETTINGS allow_nullable_key = 1"
        )
        if layout.cluster:
            out.append(
                f"CREATE TABLE IF NOT EXISTS {layout.table(name)}{layout.on_cluster} "
                f"AS {layout.local(name)}\nENGINE = Distributed(`{layout.cluster}`, "
                f"`{layout.database}`, `{name}_local`, cityHash64(project_rowid, day))"
            )
    return out


def _insert_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if table is analytics_daily:
        hist = orjson.loads(out.pop("latency_hist"))
        out["latencyMap.bucket"] = [int(b) for b in hist]
        out["latencyMap.n"] = list(hist.values())
    return out


_HIST_TYPES = {"latencyMap.bucket": "Array(Int32)", "latencyMap.n": "Array(Int64)"}


def _insert_columns(table: Table) -> tuple[list[str], list[str]]:
    """The columns of an inserted row of `table` and their ClickHouse types."""
    columns = [c for c in APPENDED[table] if c != "latency_hist"]
    if table is analytics_daily:
        columns += list(_HIST_TYPES)
    return columns, [_HIST_TYPES.get(c) or _type(table, c) for c in columns]


def insert(ch: ClickHouse, project_rowid: int, deltas: Deltas) -> None:
    """Insert a batch's signed roll-up changes (those of the tables ClickHouse keeps)."""
    for table, found in deltas.rows(project_rowid).items():
        if table in TABLES and found:
            columns, types = _insert_columns(table)
            ch.insert_rows(table.name, columns, types, [_insert_row(table, r) for r in found])


def states(ch: ClickHouse, source: str, params: Mapping[str, Any]) -> list[TraceState]:
    """The roll-up states of the traces `source` (a subquery of trace rows) selects."""
    found = ch.rows(f"SELECT {STATE_COLUMNS} FROM ({source})", params)
    return [TraceState.of(row) for row in found]


def subtract(ch: ClickHouse, project_rowid: int, gone: Iterable[TraceState]) -> None:
    """Count traces about to be deleted out of the roll-ups."""
    deltas = Deltas()
    for state in gone:
        deltas.add(state, -1)
    insert(ch, project_rowid, deltas)


def rebuild(ch: ClickHouse, project_rowid: int) -> int:
    """Recompute a project's roll-ups from its current traces (the backfill of a deployment
    whose traces predate the roll-ups); how many traces were counted."""
    from tracehouse.store.clickhouse.schema import latest

    params = {"project": project_rowid}
    for table in TABLES:
        ch.command(
            f"DELETE FROM {ch.layout.local(table.name)}{ch.layout.on_cluster} "
            "WHERE project_rowid = {project:Int64}",
            params,
        )
    source = latest(ch.layout, "traces", "project_rowid = {project:Int64}")
    found = states(ch, source, params)
    deltas = Deltas()
    for state in found:
        deltas.add(state, 1)
    insert(ch, project_rowid, deltas)
    return len(found)


def _has_rows(ch: ClickHouse, name: str) -> bool:
    return ch.value(f"SELECT 1 FROM {ch.layout.table(name)} LIMIT 1") is not None


def reconcile(ch: ClickHouse) -> None:
    """At open: backfill the roll-ups of a deployment whose traces predate them (every
    project's, from its current traces: `rebuild`), and empty roll-ups left without any
    trace (trace tables truncated by hand)."""
    if _has_rows(ch, analytics_daily.name):
        if not _has_rows(ch, "traces"):
            for table in TABLES:
                ch.command(f"TRUNCATE TABLE IF EXISTS {ch.layout.local(table.name)}")
        return
    if _has_rows(ch, "traces"):
        rebuild_all(ch)


def rebuild_all(ch: ClickHouse) -> int:
    """`rebuild` every project that has traces; how many traces were counted."""
    found = ch.rows(f"SELECT DISTINCT project_rowid AS p FROM {ch.layout.table('traces')}")
    total = 0
    for row in found:
        count = rebuild(ch, int(row["p"]))
        _log.info("analytics roll-ups of project %s rebuilt from %d traces", row["p"], count)
        total += count
    return total


def _on_clickhouse(ch: ClickHouse, query: Select[Any]) -> str:
    """A roll-up query written for the relational tables, as ClickHouse SQL on these."""
    compiled = str(query.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
    names = "|".join(sorted((t.name for t in TABLES), key=len, reverse=True))
    return re.sub(
        rf"FROM ({names})\b", lambda m: f"FROM {ch.layout.table(m[1])} AS {m[1]}", compiled
    )


def rows(ch: ClickHouse, query: Select[Any]) -> list[Any]:
    """The rows of a relational roll-up query (`rollup_store`), read on ClickHouse."""
    from tracehouse.store.clickhouse.analytics import Row

    return [Row(r) for r in ch.rows(_on_clickhouse(ch, query))]


def latency_sketch(ch: ClickHouse, query: Select[Any]) -> Sketch:
    """The summed latency histograms of the rows `query` (on `analytics_daily`) selects."""
    hist: Any = literal_column("sumMap(`latencyMap.bucket`, `latencyMap.n`)").label("h")
    summed = query.with_only_columns(hist)
    found = ch.rows(_on_clickhouse(ch, summed))
    buckets, counts = found[0]["h"] if found else ([], [])
    sketch = Sketch()
    for b, n in zip(buckets, counts, strict=True):
        if n:
            sketch.counts[int(b)] += int(n)
    return sketch
