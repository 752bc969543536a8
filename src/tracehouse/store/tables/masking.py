"""PII masking: each project's rules (with how many values each has masked) and its state
(the version counter caches check, the key hashes are made with)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    true,
)

from tracehouse.store.tables.base import RowId, metadata

masking_rules = Table(
    "masking_rules",
    metadata,
    Column("rule_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("detector", String(40), nullable=False),  # a built-in detector's name, or "custom"
    Column("pattern", String(600)),  # custom rules: the RE2 pattern as given
    Column("case_sensitive", Boolean, nullable=False, server_default=true()),
    Column("target", String(10), nullable=False),  # values | keys
    Column("action", String(20), nullable=False),  # redact | hash | drop_key
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("masked_count", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

masking_state = Table(
    "masking_state",
    metadata,
    Column(
        "project_rowid",
        ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", BigInteger, nullable=False),
    Column("hash_key", String(64), nullable=False),  # hex; never shown
)
