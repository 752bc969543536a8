"""saved_views: named trace-list views (filters, columns, sort) per project

Revision ID: 0012u
Revises: 0012v
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012u"
down_revision: str | None = "0012v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "saved_views",
        sa.Column("saved_view_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_saved_views_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("saved_view_rowid", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("id", name=op.f("uq_saved_views_id")),
        sa.UniqueConstraint(
            "project_rowid", "name", name=op.f("uq_saved_views_project_rowid_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("saved_views")
