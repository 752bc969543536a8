"""The audit log: one append-only row per change of state, each hash-chained to the one
before it (`prev_hash` → `hash`), so an edited or deleted row breaks the chain."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from tracehouse.store.tables.base import RowId, metadata

# No foreign keys: an entry outlives the organization, project or user it names.
audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("org_rowid", BigInteger),
    Column("project_id", String(64)),
    Column("actor", String(400), nullable=False),  # "user:<email>", "key:<prefix>", "cli", ...
    Column("action", String(100), nullable=False),  # e.g. "api_key.create"
    Column("target_type", String(50)),
    Column("target_id", String(300)),
    Column("summary", Text, nullable=False),  # JSON {"before": ..., "after": ...}, no secrets
    Column("address", String(100)),
    Column("user_agent", String(500)),
    Column("request_id", String(200)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_org_rowid_created_at", "org_rowid", "created_at"),
    Index("ix_audit_log_created_at", "created_at"),
)
