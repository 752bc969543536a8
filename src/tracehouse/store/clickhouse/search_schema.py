"""The search index's tables on ClickHouse (when it holds the traces): chunks of text, their
vectors, and what the indexer last read of each trace; their DDL, inserts and deletes.

- `search_chunks`: `MergeTree` ordered by `(project_rowid, trace_rowid, observation_id,
  seq)` (a project's chunks together, a trace's next to each other for its re-index), a
  `text` index (ClickHouse's inverted full-text index) over `lowerUTF8(body)` split at
  non-alphanumeric characters, a bloom filter on `chunk_rowid`. Re-indexing a trace deletes
  the chunks it replaces (one lightweight `DELETE` per indexer pass) and inserts the new ones:
  a chunk is never updated in place, so no version column and no `FINAL`.
- `search_vectors`: one unit vector (`Array(Float32)`) per embedded chunk, ordered by
  `(project_rowid, chunk_rowid)`; `cosineDistance` ranks them exactly.
- `search_traces`: `ReplacingMergeTree(indexed_at)`: the trace's `updated_at` when last read
  (read with `max`, so no merge needs to have happened).

Every row names its trace (`trace_rowid`): deleting or purging traces deletes their rows in the
three tables. Partitioned by month of the trace's first write, as the trace tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse
    from tracehouse.store.clickhouse.schema import Layout

CHUNKS, VECTORS, TRACED = "search_chunks", "search_vectors", "search_traces"
TABLES = (CHUNKS, VECTORS, TRACED)
#: The expression the text index covers: queries must spell it the same to use it.
BODY = "lowerUTF8(body)"
_MONTH = "toYYYYMM(fromUnixTimestamp64Micro(created_at))"
_TIME = "Int64 CODEC(Delta, ZSTD(1))"

#: table → (columns with their types, ORDER BY, engine without its replication, indexes)
_TABLES: dict[str, tuple[dict[str, str], str, str, tuple[str, ...]]] = {
    CHUNKS: (
        {
            "chunk_rowid": "Int64",
            "project_rowid": "Int64",
            "trace_rowid": "Int64",
            "trace_id": "String",
            "observation_id": "String",  # '': the trace's own text
            "seq": "Int32",
            "kind": "LowCardinality(String)",
            "level": "LowCardinality(Nullable(String))",
            "body": "String CODEC(ZSTD(3))",
            "is_test": "Bool",
            "indexed_at": _TIME,  # the trace's updated_at when read: newest first
            "created_at": _TIME,  # the trace's first write: the partition
        },
        "project_rowid, trace_rowid, observation_id, seq",
        "MergeTree",
        (
            f"INDEX ix_body {BODY} TYPE text(tokenizer = 'splitByNonAlpha')",
            "INDEX ix_chunk chunk_rowid TYPE bloom_filter GRANULARITY 4",
        ),
    ),
    VECTORS: (
        {
            "chunk_rowid": "Int64",
            "project_rowid": "Int64",
            "trace_rowid": "Int64",
            "observation_id": "String",
            "embedding": "Array(Float32) CODEC(ZSTD(1))",
            "created_at": _TIME,
        },
        "project_rowid, chunk_rowid",
        "MergeTree",
        (),
    ),
    TRACED: (
        {"project_rowid": "Int64", "trace_rowid": "Int64", "indexed_at": "Int64",
         "created_at": _TIME},
        "project_rowid, trace_rowid",
        "ReplacingMergeTree",
        (),
    ),
}  # fmt: skip


def columns(name: str) -> list[str]:
    return list(_TABLES[name][0])


def _types(name: str) -> list[str]:
    return [kind.split(" CODEC")[0] for kind in _TABLES[name][0].values()]


def _engine(layout: Layout, name: str) -> str:
    base = _TABLES[name][2]
    version = "indexed_at" if base == "ReplacingMergeTree" else ""
    if not layout.cluster:
        return f"{base}({version})"
    path = f"'/clickhouse/tables/{{shard}}/{layout.database}/{name}_local', '{{replica}}'"
    return f"Replicated{base}({path}{', ' + version if version else ''})"


def create_table(layout: Layout, name: str) -> str:
    kinds, order_by, _, indexes = _TABLES[name]
    lines = [f"`{column}` {kind}" for column, kind in kinds.items()] + list(indexes)
    body = ",\n    ".join(lines)
    return (
        f"CREATE TABLE IF NOT EXISTS {layout.local(name)}{layout.on_cluster}\n(\n    {body}\n)\n"
        f"ENGINE = {_engine(layout, name)}\nPARTITION BY {_MONTH}\nORDER BY ({order_by})\n"
        "SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000"
    )


def ddl(layout: Layout) -> list[str]:
    """The statements creating the search tables (after the database exists)."""
    statements = []
    for name in TABLES:
        statements.append(create_table(layout, name))
        if layout.cluster:
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {layout.table(name)}{layout.on_cluster} "
                f"AS {layout.local(name)}\nENGINE = Distributed(`{layout.cluster}`, "
                f"`{layout.database}`, `{name}_local`, cityHash64(project_rowid, trace_rowid))"
            )
    return statements


def insert(ch: ClickHouse, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (dicts) into a search table, as the trace tables' inserts are made."""
    ch.insert_rows(name, columns(name), _types(name), rows)


def delete(ch: ClickHouse, where: str, params: Mapping[str, Any]) -> None:
    """Delete the rows of every search table matching `where` (on columns all three have:
    `project_rowid`, `trace_rowid`)."""
    layout = ch.layout
    for name in TABLES:
        ch.command(f"DELETE FROM {layout.local(name)}{layout.on_cluster} WHERE {where}", params)


def delete_traces(ch: ClickHouse, keys: str, params: Mapping[str, Any]) -> None:
    """Delete the search rows of the traces whose `(project_rowid, trace_rowid)` a subquery
    (`keys`) gives."""
    delete(ch, f"(project_rowid, trace_rowid) IN ({keys})", params)
