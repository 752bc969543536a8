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


def _project() -> sa.Column[int]:
    return sa.Column(
        "project_rowid",
        _ROWID,
        sa.ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        nullable=False,
    )


def _dims() -> list[sa.Column[str]]:
    return [
        sa.Column("environment", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
    ]


def _create_rollups() -> None:
    big, real = sa.BigInteger(), sa.Float()
    op.create_table(
        "analytics_daily",
        _project(),
        sa.Column("day", big, nullable=False),
        *_dims(),
        *(
            sa.Column(n, big, nullable=False)
            for n in ("traces", "observations", "retried", "latency_count")
        ),
        sa.Column("latency_sum", real, nullable=False),
        sa.Column("latency_hist", sa.Text(), nullable=False),
        sa.Column("tokens", big, nullable=False),
        sa.Column("cost", real, nullable=False),
    )
    op.create_table(
        "analytics_daily_models",
        _project(),
        sa.Column("day", big, nullable=False),
        *_dims(),
        sa.Column("model", sa.String(length=200), nullable=False),
        *(
            sa.Column(n, big, nullable=False)
            for n in (
                "traces",
                "calls",
                "failed_calls",
                "input_tokens",
                "output_tokens",
                "total_tokens",
            )
        ),
        sa.Column("cost", real, nullable=False),
        sa.Column("duration_sum", real, nullable=False),
        sa.Column("duration_count", big, nullable=False),
    )
    op.create_table(
        "analytics_daily_users",
        _project(),
        sa.Column("day", big, nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        *(sa.Column(n, big, nullable=False) for n in ("traces", "failed", "latency_count")),
        sa.Column("latency_sum", real, nullable=False),
        sa.Column("tokens", big, nullable=False),
        sa.Column("cost", real, nullable=False),
    )
    for name in ROLLUPS:
        op.create_index(f"ix_{name}_project_rowid_day", name, ["project_rowid", "day"])
    op.create_table(
        "analytics_dirty_days",
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("day", big, nullable=False),
        sa.Column("version", big, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_analytics_dirty_days_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", "day", name=op.f("pk_analytics_dirty_days")),
    )


ROLLUPS = ("analytics_daily", "analytics_daily_models", "analytics_daily_users")


def upgrade() -> None:
    _create_rollups()
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
            "observation_count",
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
    op.drop_table("analytics_dirty_days")
    for name in ROLLUPS:
        op.drop_index(f"ix_{name}_project_rowid_day", table_name=name)
        op.drop_table(name)
    op.drop_index("ix_observations_errors", table_name="observations")
    op.drop_index("ix_observations_model_usage", table_name="observations")
    op.drop_index("ix_traces_analytics", table_name="traces")
    op.drop_table("usage_counters")
    op.drop_table("llm_providers")
    op.drop_table("analytics_settings")
