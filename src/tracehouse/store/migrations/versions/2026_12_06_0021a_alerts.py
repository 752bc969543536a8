"""alert_channels, alert_rules, alert_events: metric alerts and where they notify

Revision ID: 0012a
Revises: 0011p
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012a"
down_revision: str | None = "0011p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_channels",
        sa.Column(
            "channel_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_encrypted", sa.Text(), nullable=True),
        sa.Column("target_hint", sa.String(length=300), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_alert_channels_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_rowid", name=op.f("pk_alert_channels")),
        sa.UniqueConstraint("id", name=op.f("uq_alert_channels_id")),
        sa.UniqueConstraint(
            "project_rowid", "name", name=op.f("uq_alert_channels_project_rowid_name")
        ),
    )
    op.create_table(
        "alert_rules",
        sa.Column(
            "rule_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("score_name", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=True),
        sa.Column("filter", sa.Text(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("comparison", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("warning", sa.Float(), nullable=True),
        sa.Column("critical", sa.Float(), nullable=True),
        sa.Column("no_data", sa.String(length=10), nullable=False),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("channel_ids", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("state_since", sa.BigInteger(), nullable=False),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_evaluated_at", sa.BigInteger(), nullable=True),
        sa.Column("last_notified_at", sa.BigInteger(), nullable=True),
        sa.Column("next_evaluation_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_alert_rules_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_rowid", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("id", name=op.f("uq_alert_rules_id")),
        sa.UniqueConstraint(
            "project_rowid", "name", name=op.f("uq_alert_rules_project_rowid_name")
        ),
    )
    op.create_index(
        op.f("ix_alert_rules_enabled_next_evaluation_at"),
        "alert_rules",
        ["enabled", "next_evaluation_at"],
        unique=False,
    )
    op.create_table(
        "alert_events",
        sa.Column(
            "event_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "rule_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=False),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("no_data", sa.Boolean(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("deliveries", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_alert_events_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_rowid"],
            ["alert_rules.rule_rowid"],
            name=op.f("fk_alert_events_rule_rowid_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_rowid", name=op.f("pk_alert_events")),
    )
    op.create_index(
        op.f("ix_alert_events_project_rowid_created_at"),
        "alert_events",
        ["project_rowid", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_alert_events_rule_rowid_created_at"),
        "alert_events",
        ["rule_rowid", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_events_rule_rowid_created_at"), table_name="alert_events")
    op.drop_index(op.f("ix_alert_events_project_rowid_created_at"), table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index(op.f("ix_alert_rules_enabled_next_evaluation_at"), table_name="alert_rules")
    op.drop_table("alert_rules")
    op.drop_table("alert_channels")
