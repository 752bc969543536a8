"""tapes and tape_views: published trace snapshots and their deduplicated views

Revision ID: 0011l
Revises: 0011b
Create Date: 2026-12-06 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011l"
down_revision: str | None = "0011b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "tapes",
        sa.Column("tape_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("trace_id", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("redaction", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=64), nullable=True),
        sa.Column("featured", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("max_views", sa.BigInteger(), nullable=True),
        sa.Column("view_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("view_salt", sa.String(length=64), nullable=False),
        sa.Column("step_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("published_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("unpublished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_tapes_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tape_rowid", name=op.f("pk_tapes")),
        sa.UniqueConstraint("slug", name=op.f("uq_tapes_slug")),
    )
    op.create_index(
        op.f("ix_tapes_visibility_published_at"), "tapes", ["visibility", "published_at"]
    )
    op.create_index(
        op.f("ix_tapes_project_rowid_published_at"), "tapes", ["project_rowid", "published_at"]
    )
    op.create_table(
        "tape_views",
        sa.Column("tape_rowid", rowid, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tape_rowid"],
            ["tapes.tape_rowid"],
            name=op.f("fk_tape_views_tape_rowid_tapes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tape_rowid", "day", "visitor", name=op.f("pk_tape_views")),
    )


def downgrade() -> None:
    op.drop_table("tape_views")
    op.drop_index(op.f("ix_tapes_project_rowid_published_at"), table_name="tapes")
    op.drop_index(op.f("ix_tapes_visibility_published_at"), table_name="tapes")
    op.drop_table("tapes")
