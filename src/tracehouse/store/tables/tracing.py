"""Traces, their observations and scores, and the model prices that cost them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from tracehouse.store.tables.base import RowId, metadata


def _test_data_index(table: str) -> Index:
    """Test data by age, for its purge: partial, so ordinary writes never maintain it."""
    return Index(
        f"ix_{table}_test_created_at",
        "created_at",
        sqlite_where=text("is_test = 1"),
        postgresql_where=text("is_test"),
    )


traces = Table(
    "traces",
    metadata,
    Column("trace_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("name", String(500)),
    Column("user_id", String(200)),
    Column("session_id", String(200)),
    Column("environment", String(100)),
    Column("release", String(200)),
    Column("version", String(200)),
    Column("tags", Text),
    Column("metadata", Text),
    Column("input", Text),
    Column("output", Text),
    # Explicit status from the client; the rolled-up status is `status`.
    Column("reported_status", String(10)),
    Column("status", String(10), nullable=False, server_default="ok"),
    Column("status_message", Text),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("latency_ms", Float),
    Column("observation_count", Integer, nullable=False, server_default="0"),
    Column("error_count", Integer, nullable=False, server_default="0"),
    Column("input_tokens", BigInteger, nullable=False, server_default="0"),
    Column("output_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cost", Float, nullable=False, server_default="0"),
    Column("models", Text),
    Column("public", Boolean, nullable=False, server_default=false()),
    Column("bookmarked", Boolean, nullable=False, server_default=false()),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # Rolled up with the totals: a failed step was repeated (`analytics.store.retried`), and
    # the figures of the trace's model calls, JSON {model: [calls, failed calls, input, output
    # and total tokens, cost, duration sum, durations]} (`tables.analytics.MODEL_FIGURES`).
    Column("retried", Boolean, nullable=False, server_default=false()),
    Column("model_calls", Text),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "start_time"),
    Index(None, "project_rowid", "session_id"),
    # The user filter, and the end users page answered from the index alone (grouped by user).
    Index(
        "ix_traces_users",
        "project_rowid",
        "user_id",
        "start_time",
        "end_time",
        "session_id",
        "total_tokens",
        "cost",
        "status",
    ),
    _test_data_index("traces"),
    # Changed traces in commit order, for the search indexer (`jobs/search_index.py`).
    Index(None, "updated_at", "trace_rowid"),
    # Covers the analytics aggregates (summary, charts, breakdowns) without reading rows.
    Index(
        "ix_traces_analytics",
        "project_rowid",
        "start_time",
        "status",
        "latency_ms",
        "total_tokens",
        "cost",
        "environment",
        "user_id",
        "name",
        "observation_count",
        "retried",
    ),
    # The traces weighing most on a figure, read from the top until a version's are found
    # (`versions` compare's explaining traces, LIMIT).
    Index("ix_traces_latency", "project_rowid", "latency_ms"),
    Index("ix_traces_tokens", "project_rowid", "total_tokens"),
    Index("ix_traces_cost", "project_rowid", "cost"),
)

# The figures of each model's calls in a trace (its `model_calls`, one row per model), kept
# with the trace's roll-up at ingestion: analytics sum them per model in SQL under any trace
# filter, and the `model` filter probes them.
trace_model_calls = Table(
    "trace_model_calls",
    metadata,
    Column(
        "trace_rowid",
        ForeignKey("traces.trace_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("model", String(200), primary_key=True),
    Column("calls", BigInteger, nullable=False),
    Column("failed_calls", BigInteger, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("total_tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Column("duration_sum", Float, nullable=False),
    Column("duration_count", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

observations = Table(
    "observations",
    metadata,
    Column("observation_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("trace_id", String(64), nullable=False),
    Column("parent_id", String(64)),
    Column("type", String(20), nullable=False),
    Column("name", String(500)),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("completion_start_time", BigInteger),
    Column("model", String(200)),
    Column("provider", String(100)),
    Column("model_parameters", Text),
    Column("input", Text),
    Column("output", Text),
    Column("input_tokens", BigInteger),
    Column("output_tokens", BigInteger),
    Column("total_tokens", BigInteger),
    Column("cache_read_tokens", BigInteger),
    Column("cache_write_tokens", BigInteger),
    Column("reasoning_tokens", BigInteger),
    Column("reported_input_cost", Float),
    Column("reported_output_cost", Float),
    Column("reported_total_cost", Float),
    Column("computed_input_cost", Float),
    Column("computed_output_cost", Float),
    Column("computed_total_cost", Float),
    Column("level", String(10), nullable=False, server_default="DEFAULT"),
    Column("status_message", Text),
    Column("metadata", Text),
    Column("prompt_name", String(200)),
    Column("prompt_version", Integer),
    Column("environment", String(100)),
    Column("version", String(200)),
    Column("attributes", Text),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "start_time"),
    Index(None, "project_rowid", "model", "start_time"),
    _test_data_index("observations"),
    # A trace's observations (trace reads, roll-ups) and its models (the `model` trace
    # filter's EXISTS, answered from the index alone): one index serves both.
    Index("ix_observations_trace_models", "project_rowid", "trace_id", "model"),
    # Failed steps: error clusters, retries, root cause.
    Index(
        "ix_observations_errors",
        "project_rowid",
        "trace_id",
        "start_time",
        sqlite_where=text("level = 'ERROR'"),
        postgresql_where=text("level = 'ERROR'"),
    ),
    # Steps at WARNING: the trace list's `level=WARNING` filter probes it (few rows to keep).
    Index(
        "ix_observations_warnings",
        "project_rowid",
        "trace_id",
        sqlite_where=text("level = 'WARNING'"),
        postgresql_where=text("level = 'WARNING'"),
    ),
)

scores = Table(
    "scores",
    metadata,
    Column("score_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("data_type", String(12), nullable=False),
    Column("value", Float),
    Column("string_value", Text),
    Column("source", String(12), nullable=False),
    Column("trace_id", String(64)),
    Column("observation_id", String(64)),
    Column("session_id", String(200)),
    Column("comment", Text),
    Column("metadata", Text),
    Column("author", String(200)),
    Column("environment", String(100)),
    Column("timestamp", BigInteger, nullable=False),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "trace_id"),
    Index(None, "project_rowid", "session_id"),
    Index(None, "project_rowid", "timestamp"),
    # A score's lowest values first (`versions` compare's explaining traces).
    Index("ix_scores_values", "project_rowid", "name", "value"),
    _test_data_index("scores"),
)

model_prices = Table(
    "model_prices",
    metadata,
    Column("price_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("model_name", String(200), nullable=False),
    Column("match_pattern", String(500), nullable=False),
    Column("input_price", Float),
    Column("output_price", Float),
    Column("cache_read_price", Float),
    Column("cache_write_price", Float),
    Column("reasoning_price", Float),
    Column("start_time", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "project_rowid"),
)
