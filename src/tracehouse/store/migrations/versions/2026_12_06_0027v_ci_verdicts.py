"""ci_runs.verdict: the last check of a CI run's gates

Revision ID: 0012v
Revises: 0012r
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012v"
down_revision: str | None = "0012r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.drop_column("verdict")
