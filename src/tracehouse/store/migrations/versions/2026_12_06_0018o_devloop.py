"""checkpoints (files by content hash), git links and CI runs with what they own

Revision ID: 0011o
Revises: 0011n
Create Date: 2026-12-06 18:59:39.828394
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011o"
down_revision: str | None = "0011n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkpoint_blobs",
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_checkpoint_blobs_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_rowid", "sha256", name=op.f("pk_checkpoint_blobs")),
    )
    op.create_table(
        "checkpoints",
        sa.Column(
            "checkpoint_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("trace_id", sa.String(length=300), nullable=False),
        sa.Column("observation_id", sa.String(length=300), nullable=True),
        sa.Column("session_id", sa.String(length=300), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=True),
        sa.Column("file_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_checkpoints_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("checkpoint_rowid", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("project_rowid", "id", name=op.f("uq_checkpoints_project_rowid_id")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkpoints_project_rowid_session_id_created_at"),
            ["project_rowid", "session_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_checkpoints_project_rowid_trace_id_created_at"),
            ["project_rowid", "trace_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "ci_runs",
        sa.Column(
            "ci_run_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("pipeline", sa.String(length=300), nullable=True),
        sa.Column("job", sa.String(length=300), nullable=True),
        sa.Column("external_id", sa.String(length=300), nullable=True),
        sa.Column("run_url", sa.String(length=2000), nullable=True),
        sa.Column("commit_sha", sa.String(length=64), nullable=True),
        sa.Column("branch", sa.String(length=300), nullable=True),
        sa.Column("pull_request", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_ci_runs_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ci_run_rowid", name=op.f("pk_ci_runs")),
        sa.UniqueConstraint("project_rowid", "id", name=op.f("uq_ci_runs_project_rowid_id")),
    )
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ci_runs_project_rowid_created_at"),
            ["project_rowid", "created_at"],
            unique=False,
        )

    op.create_table(
        "git_links",
        sa.Column(
            "git_link_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("repository_url", sa.String(length=1000), nullable=False),
        sa.Column("commit_sha", sa.String(length=64), nullable=False),
        sa.Column("branch", sa.String(length=300), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=300), nullable=True),
        sa.Column("committed_at", sa.BigInteger(), nullable=True),
        sa.Column("dirty", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("uncommitted_changes", sa.Text(), nullable=True),
        sa.Column("ci_run_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f("fk_git_links_project_rowid_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("git_link_rowid", name=op.f("pk_git_links")),
        sa.UniqueConstraint("project_rowid", "id", name=op.f("uq_git_links_project_rowid_id")),
    )
    with op.batch_alter_table("git_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_git_links_project_rowid_commit_sha"),
            ["project_rowid", "commit_sha"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_git_links_project_rowid_repository_url_branch"),
            ["project_rowid", "repository_url", "branch"],
            unique=False,
        )

    op.create_table(
        "checkpoint_files",
        sa.Column(
            "checkpoint_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_rowid"],
            ["checkpoints.checkpoint_rowid"],
            name=op.f("fk_checkpoint_files_checkpoint_rowid_checkpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("checkpoint_rowid", "path", name=op.f("pk_checkpoint_files")),
    )
    with op.batch_alter_table("checkpoint_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoint_files_sha256"), ["sha256"], unique=False)

    op.create_table(
        "ci_run_traces",
        sa.Column(
            "ci_run_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("trace_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_run_rowid"],
            ["ci_runs.ci_run_rowid"],
            name=op.f("fk_ci_run_traces_ci_run_rowid_ci_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ci_run_rowid", "trace_id", name=op.f("pk_ci_run_traces")),
    )
    with op.batch_alter_table("ci_run_traces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ci_run_traces_project_rowid_trace_id"),
            ["project_rowid", "trace_id"],
            unique=False,
        )

    op.create_table(
        "git_link_targets",
        sa.Column(
            "git_link_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["git_link_rowid"],
            ["git_links.git_link_rowid"],
            name=op.f("fk_git_link_targets_git_link_rowid_git_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "git_link_rowid", "kind", "target_id", name=op.f("pk_git_link_targets")
        ),
    )
    with op.batch_alter_table("git_link_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_git_link_targets_project_rowid_kind_target_id"),
            ["project_rowid", "kind", "target_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("git_link_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_git_link_targets_project_rowid_kind_target_id"))

    op.drop_table("git_link_targets")
    with op.batch_alter_table("ci_run_traces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_run_traces_project_rowid_trace_id"))

    op.drop_table("ci_run_traces")
    with op.batch_alter_table("checkpoint_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoint_files_sha256"))

    op.drop_table("checkpoint_files")
    with op.batch_alter_table("git_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_git_links_project_rowid_repository_url_branch"))
        batch_op.drop_index(batch_op.f("ix_git_links_project_rowid_commit_sha"))

    op.drop_table("git_links")
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_runs_project_rowid_created_at"))

    op.drop_table("ci_runs")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_project_rowid_trace_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_checkpoints_project_rowid_session_id_created_at"))

    op.drop_table("checkpoints")
    op.drop_table("checkpoint_blobs")
