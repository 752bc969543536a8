"""model roll-up: `trace_model` on the daily roll-ups (figures of the traces using a model),
an index of the models of each trace

Revision ID: 0005m
Revises: 0004e
Create Date: 2026-11-27 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005m"
down_revision: str | None = "0004e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUPS = ("analytics_daily", "analytics_daily_models", "analytics_daily_users")


def upgrade() -> None:
    # One index for a trace's observations and its models replaces (project_rowid, trace_id).
    op.create_index(
        "ix_observations_trace_models", "observations", ["project_rowid", "trace_id", "model"]
    )
    op.drop_index("ix_observations_project_rowid_trace_id", table_name="observations")
    for name in ROLLUPS:
        op.add_column(name, sa.Column("trace_model", sa.String(length=200), nullable=True))
    # The days already rolled up have no per-model rows yet: the next read rebuilds them.
    op.execute(
        "INSERT INTO analytics_dirty_days (project_rowid, day, version) "
        "SELECT DISTINCT a.project_rowid, a.day, 0 FROM analytics_daily a "
        "WHERE NOT EXISTS (SELECT 1 FROM analytics_dirty_days d "
        "WHERE d.project_rowid = a.project_rowid AND d.day = a.day)"
    )


def downgrade() -> None:
    op.create_index(
        "ix_observations_project_rowid_trace_id", "observations", ["project_rowid", "trace_id"]
    )
    op.drop_index("ix_observations_trace_models", table_name="observations")
    for name in ROLLUPS:
        op.execute(f"DELETE FROM {name} WHERE trace_model IS NOT NULL")
        with op.batch_alter_table(name) as batch:
            batch.drop_column("trace_model")
