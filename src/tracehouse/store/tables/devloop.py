"""The agent development loop: checkpoints (their files kept once per project by content
hash), git links (a commit tied to traces and sessions) and CI runs (owning traces)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from tracehouse.store.tables.base import RowId, metadata


def _project() -> Column[Any]:
    return Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    )


checkpoints = Table(
    "checkpoints",
    metadata,
    Column("checkpoint_rowid", RowId, primary_key=True, autoincrement=True),
    _project(),
    Column("id", String(64), nullable=False),
    Column("trace_id", String(300), nullable=False),
    Column("observation_id", String(300)),
    Column("session_id", String(300)),
    Column("name", String(300)),
    Column("step", Integer),
    Column("kind", String(50), nullable=False),  # state | files | memory | the user's own
    Column("state", Text),  # JSON
    Column("metadata", Text),  # JSON
    Column("file_count", Integer, nullable=False, server_default="0"),
    Column("size_bytes", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "trace_id", "created_at"),
    Index(None, "project_rowid", "session_id", "created_at"),
)

checkpoint_files = Table(
    "checkpoint_files",
    metadata,
    Column(
        "checkpoint_rowid",
        ForeignKey("checkpoints.checkpoint_rowid", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("path", String(1000), nullable=False),
    Column("sha256", String(64), nullable=False),  # hex; the bytes are in checkpoint_blobs
    Column("size_bytes", BigInteger, nullable=False),
    PrimaryKeyConstraint("checkpoint_rowid", "path"),
    Index(None, "sha256"),
)

checkpoint_blobs = Table(
    "checkpoint_blobs",
    metadata,
    _project(),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("project_rowid", "sha256"),
)

git_links = Table(
    "git_links",
    metadata,
    Column("git_link_rowid", RowId, primary_key=True, autoincrement=True),
    _project(),
    Column("id", String(64), nullable=False),
    Column("repository_url", String(1000), nullable=False),
    Column("commit_sha", String(64), nullable=False),  # lower-case hex
    Column("branch", String(300)),
    Column("message", Text),
    Column("author", String(300)),
    Column("committed_at", BigInteger),
    Column("dirty", Boolean, nullable=False, server_default=false()),
    Column("uncommitted_changes", Text),  # JSON: the client's summary
    Column("ci_run_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "commit_sha"),
    Index(None, "project_rowid", "repository_url", "branch"),
)

git_link_targets = Table(
    "git_link_targets",
    metadata,
    Column("git_link_rowid", ForeignKey("git_links.git_link_rowid", ondelete="CASCADE")),
    Column("project_rowid", RowId, nullable=False),  # copied: the trace filter starts here
    Column("kind", String(20), nullable=False),  # trace | session
    Column("target_id", String(300), nullable=False),
    PrimaryKeyConstraint("git_link_rowid", "kind", "target_id"),
    Index(None, "project_rowid", "kind", "target_id"),
)

ci_runs = Table(
    "ci_runs",
    metadata,
    Column("ci_run_rowid", RowId, primary_key=True, autoincrement=True),
    _project(),
    Column("id", String(64), nullable=False),
    Column("provider", String(50), nullable=False),
    Column("pipeline", String(300)),
    Column("job", String(300)),
    Column("external_id", String(300)),  # the provider's own run id
    Column("run_url", String(2000)),
    Column("commit_sha", String(64)),
    Column("branch", String(300)),
    Column("pull_request", String(100)),
    Column("status", String(20), nullable=False),  # queued | running | passed | failed | ...
    Column("started_at", BigInteger),
    Column("ended_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("verdict", Text),  # JSON: the last check of its gates
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "created_at"),
)

ci_run_traces = Table(
    "ci_run_traces",
    metadata,
    Column("ci_run_rowid", ForeignKey("ci_runs.ci_run_rowid", ondelete="CASCADE")),
    Column("project_rowid", RowId, nullable=False),
    Column("trace_id", String(300), nullable=False),
    PrimaryKeyConstraint("ci_run_rowid", "trace_id"),
    Index(None, "project_rowid", "trace_id"),
)
