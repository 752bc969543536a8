"""masking_rules and masking_state: per-project PII masking rules

Revision ID: 0012k
Revises: 0012a
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012k"
down_revision: str | None = "0012a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "masking_rules",
        sa.Column("rule_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("detector", sa.String(length=40), nullable=False),
        sa.Column("pattern", sa.String(length=600), nullable=True),
        sa.Column("case_sensitive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("masked_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_masking_rules_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_rowid", name=op.f("pk_masking_rules")),
        sa.UniqueConstraint("id", name=op.f("uq_masking_rules_id")),
        sa.UniqueConstraint(
            "project_rowid", "name", name=op.f("uq_masking_rules_project_rowid_name")
        ),
    )
    op.create_table(
        "masking_state",
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("hash_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_masking_state_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", name=op.f("pk_masking_state")),
    )


def downgrade() -> None:
    op.drop_table("masking_state")
    op.drop_table("masking_rules")
