"""monitor decisions: `monitor_claims` records every trace a monitor decided on, sampled in
(`picked`, with the run that evaluates it) or sampled out (`picked` false, no run), so the
claims, not the watermark, say what a monitor has already seen

Revision ID: 0007c
Revises: 0006t
Create Date: 2026-11-27 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007c"
down_revision: str | None = "0006t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitor_claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("picked", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.alter_column("run_id", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    # sampled-out decisions have no run; the older schema only knew picked traces
    op.execute("DELETE FROM monitor_claims WHERE picked = false OR run_id IS NULL")
    with op.batch_alter_table("monitor_claims", schema=None) as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("picked")
