"""Saved views of the trace list (filters, columns and sort, by name, per project)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Text, UniqueConstraint

from tracehouse.store.tables.base import RowId, metadata

saved_views = Table(
    "saved_views",
    metadata,
    Column("saved_view_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # JSON: the trace list's query parameters that are set, and the columns in order.
    Column("filters", Text, nullable=False),
    Column("columns", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)
