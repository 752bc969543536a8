"""Media files sent through Langfuse's media API: one row per project and content, the bytes
kept once by content hash (see `media.files`)."""

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

media = Table(
    "media",
    metadata,
    Column("media_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    # Langfuse's media id: the URL-safe base64 SHA-256 of the content, first 22 characters.
    Column("id", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),  # base64, as the client sent it
    Column("content_type", String(200), nullable=False),
    Column("content_length", BigInteger, nullable=False),
    # Where the client first placed it (a trace's or a dataset item's field).
    Column("trace_id", String(64)),
    Column("observation_id", String(64)),
    Column("dataset_id", String(64)),
    Column("dataset_item_id", String(64)),
    Column("field", String(50)),
    # Set by our upload endpoint once the bytes are stored and checked; the client's own
    # report (`PATCH`) is kept beside it.
    Column("uploaded_at", BigInteger),
    Column("upload_http_status", Integer),
    Column("upload_http_error", Text),
    Column("upload_time_ms", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
)
