"""project_members: a person's role in one project, over their organization role

Revision ID: 0012o
Revises: 0012u
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012o"
down_revision: str | None = "0012u"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_members",
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "user_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_project_members_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_rowid"],
            ["users.user_rowid"],
            name=op.f("fk_project_members_user_rowid_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", "user_rowid", name=op.f("pk_project_members")),
    )


def downgrade() -> None:
    op.drop_table("project_members")
