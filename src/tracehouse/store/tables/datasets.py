"""Datasets, their items (versioned by time) and runs (experiments) linking items to traces."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tracehouse.store.tables.base import RowId, metadata

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("description", Text),
    Column("metadata", Text),
    Column("input_schema", Text),
    Column("expected_output_schema", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

# Items are versioned by time: a change closes the current row (`valid_to`) and adds a new
# one, so the dataset as of T is the rows with valid_from <= T < valid_to (or open).
dataset_items = Table(
    "dataset_items",
    metadata,
    Column("item_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "dataset_rowid", ForeignKey("datasets.dataset_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("status", String(10), nullable=False),
    Column("input", Text),
    Column("expected_output", Text),
    Column("metadata", Text),
    Column("source_trace_id", String(64)),
    Column("source_observation_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger),
    UniqueConstraint("project_rowid", "id", "valid_from"),
    Index(None, "dataset_rowid", "valid_to"),
)

dataset_runs = Table(
    "dataset_runs",
    metadata,
    Column("run_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "dataset_rowid", ForeignKey("datasets.dataset_rowid", ondelete="CASCADE"), nullable=False
    ),
    # Derived from (project, dataset, name) as the Langfuse SDK derives experiment ids.
    Column("id", String(64), nullable=False),
    Column("name", String(500), nullable=False),
    Column("description", Text),
    Column("metadata", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    UniqueConstraint("dataset_rowid", "name"),
)

dataset_run_items = Table(
    "dataset_run_items",
    metadata,
    Column("run_item_rowid", RowId, primary_key=True, autoincrement=True),
    Column("run_rowid", ForeignKey("dataset_runs.run_rowid", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("dataset_item_id", String(64), nullable=False),
    Column("trace_id", String(64)),
    Column("observation_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("run_rowid", "dataset_item_id"),
)
