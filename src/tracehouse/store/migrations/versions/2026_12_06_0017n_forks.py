"""forks and fork_replays: traces branched at a span, and the replays they produced

Revision ID: 0011n
Revises: 0011l
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011n"
down_revision: str | None = "0011l"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rowid = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "forks",
        sa.Column("fork_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_rowid", rowid, nullable=False),
        sa.Column("trace_id", sa.String(length=300), nullable=False),
        sa.Column("span_id", sa.String(length=300), nullable=False),
        sa.Column("parent_fork_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("modifications", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("prefix_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_forks_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("fork_rowid", name=op.f("pk_forks")),
        sa.UniqueConstraint("id", name=op.f("uq_forks_id")),
    )
    op.create_index(
        op.f("ix_forks_project_rowid_trace_id_created_at"),
        "forks",
        ["project_rowid", "trace_id", "created_at"],
    )
    op.create_table(
        "fork_replays",
        sa.Column("replay_rowid", rowid, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fork_rowid", rowid, nullable=False),
        sa.Column("trace_id", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fork_rowid"],
            ["forks.fork_rowid"],
            name=op.f("fk_fork_replays_fork_rowid_forks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("replay_rowid", name=op.f("pk_fork_replays")),
        sa.UniqueConstraint("id", name=op.f("uq_fork_replays_id")),
    )
    op.create_index(
        op.f("ix_fork_replays_fork_rowid_created_at"), "fork_replays", ["fork_rowid", "created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fork_replays_fork_rowid_created_at"), table_name="fork_replays")
    op.drop_table("fork_replays")
    op.drop_index(op.f("ix_forks_project_rowid_trace_id_created_at"), table_name="forks")
    op.drop_table("forks")
