"""test-data indexes: `created_at` of traces, observations and scores indexed for test data only

Revision ID: 0006t
Revises: 0005m
Create Date: 2026-11-27 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006t"
down_revision: str | None = "0005m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("traces", "observations", "scores")


def upgrade() -> None:
    # Only the purge of test-key data reads rows by `created_at`; a partial index costs
    # ordinary (non-test) writes nothing, where the full one cost every span an index entry.
    for table in TABLES:
        op.create_index(
            f"ix_{table}_test_created_at",
            table,
            ["created_at"],
            sqlite_where=sa.text("is_test = 1"),
            postgresql_where=sa.text("is_test"),
        )
        op.drop_index(f"ix_{table}_created_at", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_created_at", table, ["created_at"])
        op.drop_index(f"ix_{table}_test_created_at", table_name=table)
