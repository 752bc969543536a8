"""search: a stored tsvector of each chunk on PostgreSQL (`body_tsv`, generated from the body),
its GIN index instead of the expression index, so ranking reads it instead of parsing the body
again per ranked chunk; nothing on SQLite (FTS5)

Revision ID: 0014s
Revises: 0013d
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014s"
down_revision: str | None = "0013d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UP = (
    "ALTER TABLE search_chunks ADD COLUMN body_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "DROP INDEX ix_search_chunks_fulltext",
    "CREATE INDEX ix_search_chunks_fulltext ON search_chunks USING gin (body_tsv)",
)
_DOWN = (
    "DROP INDEX ix_search_chunks_fulltext",
    "ALTER TABLE search_chunks DROP COLUMN body_tsv",
    "CREATE INDEX ix_search_chunks_fulltext ON search_chunks "
    "USING gin (to_tsvector('english'::regconfig, body))",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWN:
            op.execute(statement)
