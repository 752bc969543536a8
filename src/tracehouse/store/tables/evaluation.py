"""Evaluation: provider credentials, evaluators, evaluations and their runs and results,
monitors with their claims, and human annotation queues."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from tracehouse.store.tables.base import RowId, metadata

# LLM provider credentials per project; the API key is Fernet-encrypted, never returned.
provider_credentials = Table(
    "provider_credentials",
    metadata,
    Column("credential_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("base_url", String(1000)),
    Column("api_version", String(50)),
    Column("default_model", String(200)),
    Column("api_key_encrypted", Text, nullable=False),
    Column("api_key_hint", String(20), nullable=False),
    Column("timeout_seconds", Float, nullable=False),
    Column("max_retries", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

evaluators = Table(
    "evaluators",
    metadata,
    Column("evaluator_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("description", Text),
    Column("config", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

# An evaluation: named criteria (evaluators) run together; its runs are its history.
evaluations = Table(
    "evaluations",
    metadata,
    Column("evaluation_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("criteria", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

monitors = Table(
    "monitors",
    metadata,
    Column("monitor_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("evaluator_ids", Text, nullable=False),
    Column("filter", Text),
    Column("sampling_rate", Float, nullable=False),
    Column("enabled", Boolean, nullable=False),
    # Traces younger than this are left for the next pass (their spans may still arrive).
    Column("delay_seconds", Float, nullable=False, server_default="30"),
    # The highest trace_rowid a pass has read; passes read past it, and look back over recent
    # traces below it (see evaluations/monitors.py): claims, not this, decide what is new.
    Column("watermark", BigInteger, nullable=False, server_default="0"),
    Column("last_run_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

# One row per (monitor, trace) it decided on: the primary key makes each decision, and so each
# evaluation, happen exactly once. `picked` false: sampled out (no run).
monitor_claims = Table(
    "monitor_claims",
    metadata,
    Column(
        "monitor_rowid", ForeignKey("monitors.monitor_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("trace_id", String(64), primary_key=True),
    Column("run_id", String(64)),
    Column("picked", Boolean, nullable=False, server_default=true()),
    Column("created_at", BigInteger, nullable=False),
)

evaluation_runs = Table(
    "evaluation_runs",
    metadata,
    Column("run_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("evaluation_id", String(64)),
    Column("monitor_id", String(64)),
    Column("target_type", String(20), nullable=False),
    Column("target_ids", Text, nullable=False),
    Column("evaluator_ids", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("error", Text),
    Column("summary", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100)),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("started_at", BigInteger),
    Column("finished_at", BigInteger),
    Index(None, "status", "created_at"),
    Index(None, "project_rowid", "created_at"),
)

evaluation_results = Table(
    "evaluation_results",
    metadata,
    Column("result_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "run_rowid", ForeignKey("evaluation_runs.run_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("evaluator_id", String(64), nullable=False),
    Column("target_type", String(20), nullable=False),
    Column("target_id", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("score_id", String(64)),
    Column("value", Float),
    Column("string_value", Text),
    Column("reasoning", Text),
    Column("judge_trace_id", String(64)),
    Column("cost", Float),
    Column("error", Text),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "run_rowid"),
)

annotation_queues = Table(
    "annotation_queues",
    metadata,
    Column("queue_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("score_config", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

annotation_items = Table(
    "annotation_items",
    metadata,
    Column("item_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "queue_rowid",
        ForeignKey("annotation_queues.queue_rowid", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("trace_id", String(64), nullable=False),
    Column("observation_id", String(64)),
    Column("status", String(12), nullable=False),
    Column("score_id", String(64)),
    Column("completed_by", String(200)),
    Column("created_at", BigInteger, nullable=False),
    Column("completed_at", BigInteger),
    UniqueConstraint("queue_rowid", "trace_id"),
)
