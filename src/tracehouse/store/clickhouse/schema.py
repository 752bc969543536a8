"""The ClickHouse DDL, generated from the relational tables so columns mirror them exactly.

Every trace table is a `ReplacingMergeTree(_version)`: the writer merges partial updates in
Python (`ingest.merge`, as on SQLite) and inserts whole rows with a higher `_version`; reads
take the latest version of each key (`latest`), never `FINAL`. With a cluster the same code
emits `ON CLUSTER`, `Replicated*` local tables and a `Distributed` table in front of each.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, Table

from tracehouse.store.tables import observations, scores, trace_model_calls, traces

#: The version column every table adds: the writer makes it grow for each key.
VERSION = "_version"

#: Columns with few distinct values: dictionary-encoded.
_LOW_CARDINALITY = frozenset(
    {"type", "level", "status", "reported_status", "environment", "provider", "model", "source",
     "data_type", "release", "version", "prompt_name"}
)  # fmt: skip
#: Long JSON or free text: compressed harder.
_TEXT = frozenset(
    {"input", "output", "metadata", "attributes", "model_parameters", "tags", "model_calls",
     "status_message", "comment", "string_value", "models"}
)  # fmt: skip
#: Times in µs, mostly increasing within a part: stored as deltas.
_TIMES = frozenset(
    {"start_time", "end_time", "completion_start_time", "created_at", "updated_at", "timestamp"}
)


@dataclass(frozen=True)
class Layout:
    """Where the tables are: the database, and the cluster when one is configured."""

    database: str = "tracehouse"
    cluster: str | None = None

    def table(self, name: str) -> str:
        """The table to read from and insert into (the Distributed one on a cluster)."""
        return f"`{self.database}`.`{name}`"

    def local(self, name: str) -> str:
        """The table holding the rows (deletes and ALTERs go there)."""
        suffix = "_local" if self.cluster else ""
        return f"`{self.database}`.`{name}{suffix}`"

    @property
    def on_cluster(self) -> str:
        return f" ON CLUSTER `{self.cluster}`" if self.cluster else ""


@dataclass(frozen=True)
class Spec:
    """What a trace table needs beyond its columns: key, sharding and extra columns."""

    table: Table
    order_by: tuple[str, ...]
    #: The expression rows are spread over shards by: every version of a row on one shard.
    shard_by: str
    extra: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    #: Columns ClickHouse computes at insert from the others (never inserted, not in `*`).
    materialized: tuple[str, ...] = ()
    #: The table's sort (`ORDER BY`) when it is more than `order_by`: expressions of columns
    #: no version changes, so a key's versions still sort together and replace each other.
    sort_by: tuple[str, ...] | None = None

    @property
    def sort(self) -> tuple[str, ...]:
        return self.sort_by or self.order_by

    @property
    def computed(self) -> tuple[str, ...]:
        """The names of the `materialized` columns."""
        return tuple(line.split("`")[1] for line in self.materialized)


#: Each trace's model calls (its `model_calls` JSON: {model: MODEL_FIGURES}) as two parallel
#: arrays, so the per-model analytics read columns (`ARRAY JOIN`) instead of parsing JSON.
_CALLS = "JSONExtract(ifNull(model_calls, '{}'), 'Map(String, Array(Float64))')"
MODEL_COLUMNS = (
    f"`model_names` Array(LowCardinality(String)) MATERIALIZED mapKeys({_CALLS})",
    f"`model_figures` Array(Array(Float64)) MATERIALIZED mapValues({_CALLS})",
)


#: A trace's first day (`created_at` never changes for a key): traces sorted by it within a
#: project keep each granule's start times close together, so the `start_time` minmax index
#: skips the granules outside a time range (the days a chart or an edge of a roll-up reads).
CREATED_DAY = "toDate(fromUnixTimestamp64Micro(created_at))"

SPECS: dict[str, Spec] = {
    "traces": Spec(
        traces,
        ("project_rowid", "id"),
        "cityHash64(project_rowid, id)",
        sort_by=("project_rowid", CREATED_DAY, "id"),
        indexes=(
            "INDEX ix_start start_time TYPE minmax GRANULARITY 1",
            # one trace by id, now that ids sort within their day only
            "INDEX ix_id id TYPE bloom_filter GRANULARITY 1",
            "INDEX ix_session session_id TYPE bloom_filter GRANULARITY 4",
            "INDEX ix_user user_id TYPE bloom_filter GRANULARITY 4",
            # the search indexer reads what changed since its cursor
            "INDEX ix_updated updated_at TYPE minmax GRANULARITY 1",
        ),
        materialized=MODEL_COLUMNS,
    ),
    "observations": Spec(
        observations,
        ("project_rowid", "trace_id", "id"),
        "cityHash64(project_rowid, trace_id)",
        indexes=(
            "INDEX ix_start start_time TYPE minmax GRANULARITY 1",
            "INDEX ix_id id TYPE bloom_filter GRANULARITY 4",
            "INDEX ix_updated updated_at TYPE minmax GRANULARITY 1",
            "INDEX ix_model model TYPE set(100) GRANULARITY 4",
        ),
    ),
    "scores": Spec(
        scores,
        ("project_rowid", "id"),
        "cityHash64(project_rowid, id)",
        indexes=(
            "INDEX ix_trace trace_id TYPE bloom_filter GRANULARITY 4",
            "INDEX ix_session session_id TYPE bloom_filter GRANULARITY 4",
        ),
    ),
    "trace_model_calls": Spec(
        trace_model_calls,
        ("project_rowid", "trace_rowid", "model"),
        "cityHash64(project_rowid, trace_rowid)",
        # the relational table reaches its project through the trace; here it says it
        extra=("`project_rowid` Int64", "`created_at` Int64 CODEC(Delta, ZSTD(1))"),
    ),
}

#: The key that identifies one row (all its versions) of each table.
KEYS = {name: spec.order_by for name, spec in SPECS.items()}


def column_type(column: Column[object]) -> str:
    """The ClickHouse type of a relational column, with its codec."""
    kind = column.type
    if isinstance(kind, Boolean):
        base = "Bool"
    elif isinstance(kind, BigInteger | Integer):
        base = "Int64"
    elif isinstance(kind, Float):
        base = "Float64"
    else:
        base = "String"
    if column.nullable and not column.primary_key:
        base = f"Nullable({base})"
    if column.name in _LOW_CARDINALITY:
        base = f"LowCardinality({base})"
    return base + _codec(column.name, base)


def _codec(name: str, base: str) -> str:
    if name in _TIMES:
        return " CODEC(Delta, ZSTD(1))" if not base.startswith("Nullable") else " CODEC(ZSTD(1))"
    if name in _TEXT:
        return " CODEC(ZSTD(3))"
    return ""


def columns_of(name: str) -> list[str]:
    """The table's columns in insert order: the relational ones, extras, the version."""
    spec = SPECS[name]
    names = [c.name for c in spec.table.columns]
    extra = [e.split("`")[1] for e in spec.extra if e.split("`")[1] not in names]
    return [*names, *extra, VERSION]


def type_names(name: str) -> list[str]:
    """The ClickHouse types of `columns_of(name)`, in order (inserts name them, so the client
    need not ask the server)."""
    spec = SPECS[name]
    types = {c.name: column_type(c).split(" CODEC")[0] for c in spec.table.columns}
    for extra in spec.extra:
        _, column, rest = extra.split("`")
        types.setdefault(column, rest.split(" CODEC")[0].strip())
    types[VERSION] = "UInt64"
    return [types[column] for column in columns_of(name)]


def _column_lines(spec: Spec) -> list[str]:
    lines = [f"`{c.name}` {column_type(c)}" for c in spec.table.columns]
    known = {c.name for c in spec.table.columns}
    lines += [e for e in spec.extra if e.split("`")[1] not in known]
    lines.append(f"`{VERSION}` UInt64")
    return lines + list(spec.materialized) + list(spec.indexes)


def _engine(layout: Layout, name: str) -> str:
    if not layout.cluster:
        return f"ReplacingMergeTree({VERSION})"
    path = f"/clickhouse/tables/{{shard}}/{layout.database}/{name}_local"
    return f"ReplicatedReplacingMergeTree('{path}', '{{replica}}', {VERSION})"


#: Table settings: a dedupe window for unreplicated tables too (insert_deduplication_token),
#: and lightweight deletes allowed while projections exist.
_SETTINGS = "index_granularity = 8192, non_replicated_deduplication_window = 1000"


def create_table(layout: Layout, name: str, table: str | None = None) -> str:
    """`CREATE TABLE` of one trace table (the local one on a cluster), named `table` when
    given (a rebuild's new table: `resort`)."""
    spec = SPECS[name]
    body = ",\n    ".join(_column_lines(spec))
    target = layout.local(table or name)
    return (
        f"CREATE TABLE IF NOT EXISTS {target}{layout.on_cluster}\n(\n    {body}\n)\n"
        f"ENGINE = {_engine(layout, name)}\n"
        # created_at never changes for a key, so all its versions share a partition
        "PARTITION BY toYYYYMM(fromUnixTimestamp64Micro(created_at))\n"
        f"ORDER BY ({', '.join(spec.sort)})\n"
        f"SETTINGS {_SETTINGS}"
    )


def create_distributed(layout: Layout, name: str) -> str:
    """The Distributed table in front of a cluster's local tables."""
    spec = SPECS[name]
    return (
        f"CREATE TABLE IF NOT EXISTS {layout.table(name)}{layout.on_cluster} "
        f"AS {layout.local(name)}\n"
        f"ENGINE = Distributed(`{layout.cluster}`, `{layout.database}`, `{name}_local`, "
        f"{spec.shard_by})"
    )


def ddl(layout: Layout) -> list[str]:
    """Every statement that creates the schema, in order (idempotent: IF NOT EXISTS)."""
    statements = [f"CREATE DATABASE IF NOT EXISTS `{layout.database}`{layout.on_cluster}"]
    for name in SPECS:
        statements.append(create_table(layout, name))
        if layout.cluster:
            statements.append(create_distributed(layout, name))
        statements += added_columns(layout, name)
    return statements


def added_columns(layout: Layout, name: str) -> list[str]:
    """The columns added since a table was first created, added to a table created before
    them (idempotent: IF NOT EXISTS; old parts compute them on read until merged or
    `ALTER TABLE … MATERIALIZE COLUMN`), and to the Distributed table in front, as its
    `AS` copy of the local table has them."""
    columns = SPECS[name].materialized
    if not columns:
        return []
    adds = ", ".join(f"ADD COLUMN IF NOT EXISTS {c}" for c in columns)
    out = [f"ALTER TABLE {layout.local(name)}{layout.on_cluster} {adds}"]
    if layout.cluster:
        out.append(f"ALTER TABLE {layout.table(name)}{layout.on_cluster} {adds}")
    return out


def latest(layout: Layout, name: str, where: str, columns: str = "*") -> str:
    """A subquery of the latest version of each row of `name` matching `where` (which should
    name only columns no version changes, like the project, for the filter to be exact)."""
    key = ", ".join(SPECS[name].order_by[1:])
    return (
        f"SELECT {columns} FROM {layout.table(name)} WHERE {where} "
        f"ORDER BY {VERSION} DESC LIMIT 1 BY {key}"
    )
