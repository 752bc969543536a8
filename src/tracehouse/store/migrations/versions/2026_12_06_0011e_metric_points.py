"""metric points: OTLP metric data points (the GenAI client metrics) beside the traces

Revision ID: 0011e
Revises: 0010t
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011e"
down_revision: str | None = "0010t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_points",
        sa.Column(
            "metric_point_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("point_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(50)),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("temporality", sa.String(12)),
        sa.Column("start_time", sa.BigInteger()),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("service_name", sa.String(200)),
        sa.Column("attributes", sa.Text()),
        sa.Column("value", sa.Float()),
        sa.Column("value_count", sa.BigInteger()),
        sa.Column("value_sum", sa.Float()),
        sa.Column("value_min", sa.Float()),
        sa.Column("value_max", sa.Float()),
        sa.Column("bucket_counts", sa.Text()),
        sa.Column("explicit_bounds", sa.Text()),
        sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name="fk_metric_points_project_rowid_projects",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("metric_point_rowid", name="pk_metric_points"),
        sa.UniqueConstraint(
            "project_rowid", "point_id", name="uq_metric_points_project_rowid_point_id"
        ),
    )
    op.create_index(
        "ix_metric_points_project_rowid_name_time",
        "metric_points",
        ["project_rowid", "name", "time"],
    )
    op.create_index(
        "ix_metric_points_project_rowid_time", "metric_points", ["project_rowid", "time"]
    )
    op.create_index(
        "ix_metric_points_test_created_at",
        "metric_points",
        ["created_at"],
        sqlite_where=sa.text("is_test = 1"),
        postgresql_where=sa.text("is_test"),
    )


def downgrade() -> None:
    op.drop_table("metric_points")
