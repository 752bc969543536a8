"""skills (versions, labels) and collaboration (comments, assignments, notifications)

Revision ID: 0011q
Revises: 0011o
Create Date: 2026-12-06 19:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011q"
down_revision: str | None = "0011o"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.partition(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def _skills() -> None:
    op.create_table(
        "skills",
        sa.Column("skill_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("org_rowid", _ROWID, nullable=False),
        sa.Column("project_rowid", _ROWID, nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("owner_rowid", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("last_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("skills", "org_rowid", "organizations.org_rowid", "CASCADE"),
        _fk("skills", "project_rowid", "projects.project_rowid", "CASCADE"),
        sa.PrimaryKeyConstraint("skill_rowid", name=op.f("pk_skills")),
        sa.UniqueConstraint("id", name=op.f("uq_skills_id")),
        sa.UniqueConstraint(
            "scope", "owner_rowid", "name", name=op.f("uq_skills_scope_owner_rowid_name")
        ),
    )
    op.create_table(
        "skill_versions",
        sa.Column("version_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("skill_rowid", _ROWID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=True),
        sa.Column("files", sa.Text(), nullable=True),
        sa.Column("commit_message", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("skill_versions", "skill_rowid", "skills.skill_rowid", "CASCADE"),
        sa.PrimaryKeyConstraint("version_rowid", name=op.f("pk_skill_versions")),
        sa.UniqueConstraint(
            "skill_rowid", "version", name=op.f("uq_skill_versions_skill_rowid_version")
        ),
    )
    op.create_table(
        "skill_labels",
        sa.Column("skill_rowid", _ROWID, nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("skill_labels", "skill_rowid", "skills.skill_rowid", "CASCADE"),
        sa.PrimaryKeyConstraint("skill_rowid", "label", name=op.f("pk_skill_labels")),
    )


def _comments() -> None:
    op.create_table(
        "comments",
        sa.Column("comment_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.Column("trace_id", sa.String(length=300), nullable=True),
        sa.Column("author_rowid", _ROWID, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("comments", "project_rowid", "projects.project_rowid", "CASCADE"),
        _fk("comments", "author_rowid", "users.user_rowid", "SET NULL"),
        sa.PrimaryKeyConstraint("comment_rowid", name=op.f("pk_comments")),
        sa.UniqueConstraint("id", name=op.f("uq_comments_id")),
    )
    op.create_index(
        op.f("ix_comments_project_rowid_target_type_target_id"),
        "comments",
        ["project_rowid", "target_type", "target_id"],
    )
    op.create_index(
        op.f("ix_comments_project_rowid_trace_id"), "comments", ["project_rowid", "trace_id"]
    )


def _assignments() -> None:
    op.create_table(
        "assignments",
        sa.Column("assignment_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.Column("assignee_rowid", _ROWID, nullable=False),
        sa.Column("assigner_rowid", _ROWID, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("assignments", "project_rowid", "projects.project_rowid", "CASCADE"),
        _fk("assignments", "assignee_rowid", "users.user_rowid", "CASCADE"),
        _fk("assignments", "assigner_rowid", "users.user_rowid", "SET NULL"),
        sa.PrimaryKeyConstraint("assignment_rowid", name=op.f("pk_assignments")),
        sa.UniqueConstraint("id", name=op.f("uq_assignments_id")),
    )
    op.create_index(
        op.f("ix_assignments_assignee_rowid_status"), "assignments", ["assignee_rowid", "status"]
    )


def _notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("notification_rowid", _ROWID, autoincrement=True, nullable=False),
        sa.Column("user_rowid", _ROWID, nullable=False),
        sa.Column("project_rowid", _ROWID, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.Column("actor_rowid", _ROWID, nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("read_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("notifications", "user_rowid", "users.user_rowid", "CASCADE"),
        _fk("notifications", "project_rowid", "projects.project_rowid", "CASCADE"),
        _fk("notifications", "actor_rowid", "users.user_rowid", "SET NULL"),
        sa.PrimaryKeyConstraint("notification_rowid", name=op.f("pk_notifications")),
        sa.UniqueConstraint("id", name=op.f("uq_notifications_id")),
    )
    op.create_index(
        op.f("ix_notifications_user_rowid_created_at"),
        "notifications",
        ["user_rowid", "created_at"],
    )


def upgrade() -> None:
    _skills()
    _comments()
    _assignments()
    _notifications()


def downgrade() -> None:
    for table in ("notifications", "assignments", "comments"):
        op.drop_table(table)
    for table in ("skill_labels", "skill_versions", "skills"):
        op.drop_table(table)
