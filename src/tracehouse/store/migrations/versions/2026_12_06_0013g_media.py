"""media table: files sent through Langfuse's media API, per project, by content hash

Revision ID: 0011g
Revises: 0011d
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011g"
down_revision: str | None = "0011d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "media",
        sa.Column("media_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("content_length", sa.BigInteger(), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=True),
        sa.Column("observation_id", sa.String(length=64), nullable=True),
        sa.Column("dataset_id", sa.String(length=64), nullable=True),
        sa.Column("dataset_item_id", sa.String(length=64), nullable=True),
        sa.Column("field", sa.String(length=50), nullable=True),
        sa.Column("uploaded_at", sa.BigInteger(), nullable=True),
        sa.Column("upload_http_status", sa.Integer(), nullable=True),
        sa.Column("upload_http_error", sa.Text(), nullable=True),
        sa.Column("upload_time_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_media_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("media_rowid", name=op.f("pk_media")),
        sa.UniqueConstraint("project_rowid", "id", name=op.f("uq_media_project_rowid_id")),
    )


def downgrade() -> None:
    op.drop_table("media")
