"""fork replay runs: how a replay was made (server or SDK), what it was asked to change, how
far it got and where it stopped

Revision ID: 0012r
Revises: 0012s
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012r"
down_revision: str | None = "0012s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fork_replays") as batch:
        batch.add_column(sa.Column("mode", sa.String(10), server_default="server", nullable=False))
        batch.add_column(sa.Column("request", sa.Text(), nullable=True))
        batch.add_column(sa.Column("stop", sa.Text(), nullable=True))
        batch.add_column(sa.Column("steps_done", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("started_at", sa.BigInteger(), nullable=True))
    op.execute("UPDATE fork_replays SET state = 'completed' WHERE state = 'done'")


def downgrade() -> None:
    op.execute("UPDATE fork_replays SET state = 'done' WHERE state = 'completed'")
    with op.batch_alter_table("fork_replays") as batch:
        for column in ("started_at", "steps_done", "stop", "request", "mode"):
            batch.drop_column(column)
