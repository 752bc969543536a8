"""Agent memory entries (scoped by a namespace path), and what embeddings need per project: the
embedder a project chose, and the model and dimensions each of its vector indexes was built with."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from tracehouse.store.tables.base import RowId, metadata

memories = Table(
    "memories",
    metadata,
    Column("memory_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "project_rowid",
        ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        nullable=False,
    ),
    # Namespace path, labels joined by "/": `user/alice`, `agent/support/session/s-1`.
    Column("scope", String(500), nullable=False),
    # `key:<key>` for an entry stored under a key, else `sha:<sha256 of the content>`: the same
    # content stored twice in one scope is one entry.
    Column("dedupe_key", String(300), nullable=False),
    Column("key", String(200)),
    Column("category", String(200)),
    Column("content", Text, nullable=False),
    Column("metadata", Text),  # JSON object
    Column("importance", Float),
    Column("expires_at", BigInteger),  # NULL: never
    Column("is_test", Boolean, nullable=False, server_default=false()),
    # float32 blob of the content's vector (NULL until embedded), see embedding_indexes.
    Column("embedding", LargeBinary),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "scope", "dedupe_key"),
    Index("ix_memories_project_rowid_updated_at", "project_rowid", "updated_at"),
    Index("ix_memories_expires_at", "expires_at"),
    # Entries still to embed (stored while the embedder was down, or before a change of model).
    Index(
        "ix_memories_unembedded",
        "project_rowid",
        "updated_at",
        sqlite_where=text("embedding IS NULL"),
        postgresql_where=text("embedding IS NULL"),
    ),
    Index(
        "ix_memories_test_created",
        "created_at",
        sqlite_where=text("is_test = 1"),
        postgresql_where=text("is_test"),
    ),
)

# The embedder a project uses instead of the server's (`TRACEHOUSE_EMBEDDER`).
project_embedders = Table(
    "project_embedders",
    metadata,
    Column(
        "project_rowid",
        ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(20), nullable=False),  # provider | model2vec | none
    Column("model", String(300)),
    Column("credential", String(200)),  # provider credential id or name
    Column("updated_at", BigInteger, nullable=False),
)

# Which model (and how many dimensions) the vectors of one index of a project came from.
embedding_indexes = Table(
    "embedding_indexes",
    metadata,
    Column(
        "project_rowid",
        ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(50), primary_key=True),  # memory, spans, ...
    Column("model", String(500), nullable=False),
    Column("dimensions", Integer, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
