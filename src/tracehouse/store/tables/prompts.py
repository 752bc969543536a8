"""Prompts: names, immutable numbered versions and the labels that point at them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tracehouse.store.tables.base import RowId, metadata

prompts = Table(
    "prompts",
    metadata,
    Column("prompt_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("type", String(10), nullable=False),
    # Tags belong to the prompt (every version shares them).
    Column("tags", Text),
    # Highest version ever created: numbers are never reused, even after a delete.
    Column("last_version", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

prompt_versions = Table(
    "prompt_versions",
    metadata,
    Column("version_rowid", RowId, primary_key=True, autoincrement=True),
    Column("prompt_rowid", ForeignKey("prompts.prompt_rowid", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    # A string (text prompts) or a message list (chat prompts), as JSON.
    Column("prompt", Text, nullable=False),
    Column("config", Text),
    Column("commit_message", Text),
    Column("author", String(200)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("prompt_rowid", "version"),
)

# A label names one version of a prompt; moving it rewrites one row.
prompt_labels = Table(
    "prompt_labels",
    metadata,
    Column(
        "prompt_rowid",
        ForeignKey("prompts.prompt_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("label", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
