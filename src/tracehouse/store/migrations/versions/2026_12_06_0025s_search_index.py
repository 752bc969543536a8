"""search index: text chunks of traces and spans, the indexer's state, and the keyword index
(SQLite FTS5 external-content table kept by triggers; PostgreSQL GIN over to_tsvector)

Revision ID: 0012s
Revises: 0012m
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012s"
down_revision: str | None = "0012m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_chunks', "
    "content_rowid='chunk_rowid', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_chunks_ai AFTER INSERT ON search_chunks BEGIN "
    "INSERT INTO search_fts(rowid, body) VALUES (new.chunk_rowid, new.body); END",
    "CREATE TRIGGER search_chunks_ad AFTER DELETE ON search_chunks BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.chunk_rowid, old.body); "
    "END",
    "CREATE TRIGGER search_chunks_au AFTER UPDATE OF body ON search_chunks BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.chunk_rowid, old.body); "
    "INSERT INTO search_fts(rowid, body) VALUES (new.chunk_rowid, new.body); END",
)
_PG_FTS = (
    "CREATE INDEX ix_search_chunks_fulltext ON search_chunks "
    "USING gin (to_tsvector('english'::regconfig, body))"
)


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "search_chunks",
        sa.Column("chunk_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("trace_rowid", rowid, nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("observation_id", sa.String(length=64), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name="fk_search_chunks_project_rowid_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trace_rowid"],
            ["traces.trace_rowid"],
            name="fk_search_chunks_trace_rowid_traces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chunk_rowid", name="pk_search_chunks"),
    )
    op.create_index(
        "ix_search_chunks_trace_rowid_observation_id",
        "search_chunks",
        ["trace_rowid", "observation_id"],
    )
    op.create_table(
        "search_traces",
        sa.Column("trace_rowid", rowid, nullable=False),
        sa.Column("indexed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trace_rowid"],
            ["traces.trace_rowid"],
            name="fk_search_traces_trace_rowid_traces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trace_rowid", name="pk_search_traces"),
    )
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("number", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rowid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_search_state"),
    )
    op.create_index("ix_traces_updated_at_trace_rowid", "traces", ["updated_at", "trace_rowid"])
    statements = _SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else (_PG_FTS,)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER search_chunks_{trigger}")
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_traces_updated_at_trace_rowid", table_name="traces")
    op.drop_table("search_state")
    op.drop_table("search_traces")
    op.drop_table("search_chunks")  # the PostgreSQL GIN index goes with it
