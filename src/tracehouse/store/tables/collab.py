"""Collaboration: comments (with their @mentions) on traces, observations, sessions and
prompt versions, assignments of traces and sessions to people, and their notifications."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, String, Table, Text, false

from tracehouse.store.tables.base import RowId, metadata

comments = Table(
    "comments",
    metadata,
    Column("comment_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("target_type", String(20), nullable=False),  # trace|observation|session|prompt_version
    Column("target_id", String(300), nullable=False),
    # The trace an observation comment belongs to (and a trace comment's own id): lists by trace.
    Column("trace_id", String(300)),
    Column("author_rowid", ForeignKey("users.user_rowid", ondelete="SET NULL")),
    Column("body", Text, nullable=False),  # Markdown, as written
    Column("mentions", Text, nullable=False),  # JSON list of mentioned users' emails
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "project_rowid", "target_type", "target_id"),
    Index(None, "project_rowid", "trace_id"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("assignment_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("target_type", String(20), nullable=False),  # trace | session
    Column("target_id", String(300), nullable=False),
    Column("assignee_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), nullable=False),
    Column("assigner_rowid", ForeignKey("users.user_rowid", ondelete="SET NULL")),
    Column("note", Text),
    Column("due_at", BigInteger),
    Column("status", String(20), nullable=False),  # open | resolved
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "assignee_rowid", "status"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("notification_rowid", RowId, primary_key=True, autoincrement=True),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), nullable=False),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),  # mention | assignment | resolved
    Column("target_type", String(20), nullable=False),
    Column("target_id", String(300), nullable=False),
    Column("actor_rowid", ForeignKey("users.user_rowid", ondelete="SET NULL")),
    Column("summary", Text, nullable=False),
    Column("read_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "user_rowid", "created_at"),
)

#: A person's choice of notifications: which kinds they get, and whether by e-mail too (no row:
#: every kind, no e-mail).
notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), primary_key=True),
    Column("kinds", Text, nullable=False),  # JSON list of kinds in the inbox
    Column("email", Boolean, nullable=False, server_default=false()),
    Column("updated_at", BigInteger, nullable=False),
)
