"""rollup days: when each day's analytics roll-up was last built (the freshness of stale days)

Revision ID: 0008r
Revises: 0007c
Create Date: 2026-11-27 08:00:00
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008r"
down_revision: str | None = "0007c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    big = sa.BigInteger()
    op.create_table(
        "analytics_rollup_days",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("day", big, nullable=False),
        sa.Column("built_at", big, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_analytics_rollup_days_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", "day", name=op.f("pk_analytics_rollup_days")),
    )
    # The days already rolled up: built before this migration, say now.
    op.execute(
        "INSERT INTO analytics_rollup_days (project_rowid, day, built_at) "
        f"SELECT DISTINCT project_rowid, day, {int(time.time() * 1_000_000)} FROM analytics_daily"
    )


def downgrade() -> None:
    op.drop_table("analytics_rollup_days")
