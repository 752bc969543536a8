"""memories (agent memory), project_embedders and embedding_indexes (embeddings per project)

Revision ID: 0012m
Revises: 0012c
Create Date: 2026-12-06 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012m"
down_revision: str | None = "0012c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_rowid"],
        ["projects.project_rowid"],
        name=op.f(f"fk_{table}_project_rowid_projects"),
        ondelete="CASCADE",
    )


def _memories() -> None:
    op.create_table(
        "memories",
        sa.Column("memory_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=True),
        sa.Column("importance", sa.Float(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _project_fk("memories"),
        sa.PrimaryKeyConstraint("memory_rowid", name=op.f("pk_memories")),
        sa.UniqueConstraint("id", name=op.f("uq_memories_id")),
        sa.UniqueConstraint(
            "project_rowid",
            "scope",
            "dedupe_key",
            name=op.f("uq_memories_project_rowid_scope_dedupe_key"),
        ),
    )
    op.create_index(
        "ix_memories_project_rowid_updated_at", "memories", ["project_rowid", "updated_at"]
    )
    op.create_index("ix_memories_expires_at", "memories", ["expires_at"])
    op.create_index(
        "ix_memories_unembedded",
        "memories",
        ["project_rowid", "updated_at"],
        sqlite_where=sa.text("embedding IS NULL"),
        postgresql_where=sa.text("embedding IS NULL"),
    )
    op.create_index(
        "ix_memories_test_created",
        "memories",
        ["created_at"],
        sqlite_where=sa.text("is_test = 1"),
        postgresql_where=sa.text("is_test"),
    )


def upgrade() -> None:
    _memories()
    op.create_table(
        "project_embedders",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=True),
        sa.Column("credential", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _project_fk("project_embedders"),
        sa.PrimaryKeyConstraint("project_rowid", name=op.f("pk_project_embedders")),
    )
    op.create_table(
        "embedding_indexes",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=500), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _project_fk("embedding_indexes"),
        sa.PrimaryKeyConstraint("project_rowid", "name", name=op.f("pk_embedding_indexes")),
    )


def downgrade() -> None:
    op.drop_table("embedding_indexes")
    op.drop_table("project_embedders")
    op.drop_index("ix_memories_test_created", table_name="memories")
    op.drop_index("ix_memories_unembedded", table_name="memories")
    op.drop_index("ix_memories_expires_at", table_name="memories")
    op.drop_index("ix_memories_project_rowid_updated_at", table_name="memories")
    op.drop_table("memories")
