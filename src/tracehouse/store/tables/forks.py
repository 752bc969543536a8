"""Forks: a trace branched at a span, with the modifications to replay it with and the prefix
(the steps completed before the span, outputs as recorded); and the replays they produced,
each a trace linked back."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from tracehouse.store.tables.base import RowId, metadata

forks = Table(
    "forks",
    metadata,
    Column("fork_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("trace_id", String(300), nullable=False),
    Column("span_id", String(300), nullable=False),
    Column("parent_fork_id", String(36)),  # the fork this one was forked from, if any
    Column("name", String(300)),
    Column("modifications", Text, nullable=False),  # JSON object
    Column("prefix", Text, nullable=False),  # JSON list of steps
    Column("prefix_count", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "project_rowid", "trace_id", "created_at"),
)

fork_replays = Table(
    "fork_replays",
    metadata,
    Column("replay_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("fork_rowid", ForeignKey("forks.fork_rowid", ondelete="CASCADE"), nullable=False),
    Column("trace_id", String(300)),  # the replay's trace, once it has one
    # queued | running | completed | failed | needs_agent
    Column("state", String(20), nullable=False),
    Column("message", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("mode", String(10), nullable=False, server_default="server"),  # server | sdk
    Column("request", Text),  # JSON: the modifications the replay ran with
    Column("stop", Text),  # JSON: the step a `needs_agent` replay stopped at
    Column("steps_done", Integer, nullable=False, server_default="0"),
    Column("started_at", BigInteger),
    Index(None, "fork_rowid", "created_at"),
)
