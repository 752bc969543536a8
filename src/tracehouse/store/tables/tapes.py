"""Tapes: published snapshots of a trace (their own copy of what is shown), and their views
(one row per visitor and day, the visitor known only by a salted hash)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
)

from tracehouse.store.tables.base import RowId, metadata

tapes = Table(
    "tapes",
    metadata,
    Column("tape_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("slug", String(100), nullable=False, unique=True),
    Column("trace_id", String(300), nullable=False),
    Column("title", String(300), nullable=False),
    Column("description", Text),
    Column("tags", Text, nullable=False),  # JSON list of strings
    Column("visibility", String(20), nullable=False),  # public | unlisted | organization
    Column("redaction", Text, nullable=False),  # JSON: the choices the snapshot was made with
    Column("snapshot", Text),  # JSON: what strangers see; NULL once unpublished
    Column("etag", String(64)),
    Column("featured", Boolean, nullable=False, server_default=false()),
    Column("expires_at", BigInteger),
    Column("max_views", BigInteger),
    Column("view_count", BigInteger, nullable=False, server_default="0"),
    Column("view_salt", String(64), nullable=False),  # keys the visitor hash (never shown)
    Column("step_count", Integer, nullable=False, server_default="0"),
    Column("published_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("unpublished_at", BigInteger),
    Index(None, "visibility", "published_at"),
    Index(None, "project_rowid", "published_at"),
)

tape_views = Table(
    "tape_views",
    metadata,
    Column("tape_rowid", ForeignKey("tapes.tape_rowid", ondelete="CASCADE"), nullable=False),
    Column("day", Integer, nullable=False),  # days since 1970-01-01 (UTC)
    Column("visitor", String(64), nullable=False),
    PrimaryKeyConstraint("tape_rowid", "day", "visitor"),
)
