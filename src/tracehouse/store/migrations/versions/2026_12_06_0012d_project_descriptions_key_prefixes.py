"""project descriptions and key prefixes: `projects.description`; a key whose stored prefix is
its whole secret (a short TRACEHOUSE_INIT_SECRET_KEY) keeps only a non-secret prefix

Revision ID: 0011d
Revises: 0011a
Create Date: 2026-12-06 18:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011d"
down_revision: str | None = "0011a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("description", sa.Text(), nullable=True))
    _shorten_whole_secret_prefixes(op.get_bind())


def _shorten_whole_secret_prefixes(conn: sa.Connection) -> None:
    # The prefix is the whole secret exactly when it hashes to the stored hash; keep a quarter
    # of it (what `keys.secrets.display_prefix` keeps of a secret that short).
    rows = conn.execute(sa.text("SELECT key_rowid, secret_hash, secret_prefix FROM api_keys"))
    for key_rowid, secret_hash, prefix in list(rows):
        if hashlib.sha256(prefix.encode()).hexdigest() == secret_hash:
            conn.execute(
                sa.text("UPDATE api_keys SET secret_prefix = :p WHERE key_rowid = :k"),
                {"p": prefix[: len(prefix) // 4], "k": key_rowid},
            )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("description")
