"""billing (accounts at the payment provider, applied webhook events) and notification
preferences

Revision ID: 0012c
Revises: 0012k
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012c"
down_revision: str | None = "0012k"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.partition(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "billing_accounts",
        sa.Column("org_rowid", _ROWID, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("subscription_id", sa.String(length=200), nullable=True),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("billing_accounts", "org_rowid", "organizations.org_rowid"),
        sa.PrimaryKeyConstraint("org_rowid", name=op.f("pk_billing_accounts")),
    )
    op.create_table(
        "billing_events",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("org_rowid", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_billing_events")),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_rowid", _ROWID, nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("email", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("notification_preferences", "user_rowid", "users.user_rowid"),
        sa.PrimaryKeyConstraint("user_rowid", name=op.f("pk_notification_preferences")),
    )


def downgrade() -> None:
    for table in ("notification_preferences", "billing_events", "billing_accounts"):
        op.drop_table(table)
