"""The search index: text chunks of traces and their spans (with optional vectors), what the
indexer last read of each trace, and its cursor and embedder.

The keyword index itself is not modelled here, as it is not a table of both dialects: on
SQLite an FTS5 virtual table (`search_fts`, external content over `search_chunks.body`, kept in
step by triggers), on PostgreSQL a stored generated column `body_tsv` (`to_tsvector('english',
body)`) with a GIN index.
The migration creates them; `UNMODELLED` names them for the schema comparison.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
)

from tracehouse.store.tables.base import RowId, metadata

FTS_TABLE = "search_fts"
PG_FTS_INDEX = "ix_search_chunks_fulltext"
PG_TSVECTOR = "body_tsv"  # a column of search_chunks on PostgreSQL only
FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")
#: Database objects of the search index that the models do not describe (see the docstring).
UNMODELLED = frozenset(
    {
        FTS_TABLE,
        PG_FTS_INDEX,
        PG_TSVECTOR,
        *(f"{FTS_TABLE}_{shadow}" for shadow in FTS_SHADOWS),
        # PostgreSQL with pgvector only, created at run time (`search.pgvector`).
        "search_vectors",
        "ix_search_vectors_project",
    }
)

# One chunk of text of a trace (observation_id NULL) or of one of its observations: names,
# chat turns (~500 tokens a chunk), tool names and arguments, error and status messages.
search_chunks = Table(
    "search_chunks",
    metadata,
    Column("chunk_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    # Deleting or purging the trace takes its chunks with it.
    Column("trace_rowid", ForeignKey("traces.trace_rowid", ondelete="CASCADE"), nullable=False),
    Column("trace_id", String(64), nullable=False),
    Column("observation_id", String(64)),
    Column("seq", Integer, nullable=False),
    # The observation's type and level ("trace" and NULL for the trace's own text).
    Column("kind", String(20), nullable=False),
    Column("level", String(10)),
    Column("body", Text, nullable=False),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    # float32 unit vector of the body from the configured embedder; NULL until embedded.
    Column("embedding", LargeBinary),
    Index(None, "trace_rowid", "observation_id"),
)

# What the indexer last read of each trace: its `updated_at` then; its observations updated
# after that are chunked again at its next change.
search_traces = Table(
    "search_traces",
    metadata,
    Column(
        "trace_rowid",
        ForeignKey("traces.trace_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("indexed_at", BigInteger, nullable=False),
)

# The indexer's state: `cursor` (the (updated_at, trace_rowid) of traces indexed so far),
# `embedded` (chunks embedded through this chunk rowid) and `embedder` (which model, dimensions).
search_state = Table(
    "search_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("number", BigInteger, nullable=False, server_default="0"),
    Column("rowid", BigInteger, nullable=False, server_default="0"),
    Column("text", Text),
)
