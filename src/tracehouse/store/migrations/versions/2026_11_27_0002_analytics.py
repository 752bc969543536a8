"""analytics: covering indexes, analytics settings, LLM providers, usage counters

Revision ID: 0002a
Revises: 0001
Create Date: 2026-11-27 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002a"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "analytics_settings",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("slow_threshold_ms", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_analytics_settings_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", name=op.f("pk_analytics_settings")),
    )
    op.create_table(
        "llm_providers",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("api_key_encrypted", sa.Text(), nullable=False),
        sa.Column("api_key_hint", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_llm_providers_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", name=op.f("pk_llm_providers")),
    )
    op.create_table(
        "usage_counters",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("api_requests", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_usage_counters_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", "day", name=op.f("pk_usage_counters")),
    )
    op.create_index(
        "ix_traces_analytics",
        "traces",
        [
            "project_rowid",
            "start_time",
            "status",
            "latency_ms",
            "total_tokens",
            "cost",
            "environment",
            "user_id",
            "name",
        ],
    )
    op.create_index(
        "ix_observations_model_usage",
        "observations",
        [
            "project_rowid",
            "start_time",
            "model",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "reported_total_cost",
            "computed_total_cost",
            "end_time",
            "level",
        ],
        sqlite_where=sa.text("model IS NOT NULL"),
        postgresql_where=sa.text("model IS NOT NULL"),
    )
    op.create_index(
        "ix_observations_errors",
        "observations",
        ["project_rowid", "trace_id", "start_time"],
        sqlite_where=sa.text("level = 'ERROR'"),
        postgresql_where=sa.text("level = 'ERROR'"),
    )


def downgrade() -> None:
    op.drop_index("ix_observations_errors", table_name="observations")
    op.drop_index("ix_observations_model_usage", table_name="observations")
    op.drop_index("ix_traces_analytics", table_name="traces")
    op.drop_table("usage_counters")
    op.drop_table("llm_providers")
    op.drop_table("analytics_settings")
