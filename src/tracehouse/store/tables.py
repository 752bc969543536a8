"""The one schema (SQLAlchemy Core) for SQLite and PostgreSQL.

Times are BIGINT epoch microseconds; JSON values are TEXT written with orjson, so both
dialects store and compare them the same way. Integer keys end in `_rowid`, public ids in `id`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

RowId = BigInteger().with_variant(Integer(), "sqlite")

organizations = Table(
    "organizations",
    metadata,
    Column("org_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200)),
    Column("password_hash", String(300), nullable=False),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
)

login_tokens = Table(
    "login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("project_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("retention_days", Integer),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("org_rowid", "name"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), nullable=False),
    # NULL: an org-scoped key, which names its project per request.
    Column("project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE")),
    Column("name", String(200)),
    Column("public_key", String(200), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("secret_prefix", String(16), nullable=False),
    Column("environment", String(10), nullable=False),
    Column("access", String(10), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger),
    Column("revoked_at", BigInteger),
)


def _test_data_index(table: str) -> Index:
    """Test data by age, for its purge: partial, so ordinary writes never maintain it."""
    return Index(
        f"ix_{table}_test_created_at",
        "created_at",
        sqlite_where=text("is_test = 1"),
        postgresql_where=text("is_test"),
    )


traces = Table(
    "traces",
    metadata,
    Column("trace_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("name", String(500)),
    Column("user_id", String(200)),
    Column("session_id", String(200)),
    Column("environment", String(100)),
    Column("release", String(200)),
    Column("version", String(200)),
    Column("tags", Text),
    Column("metadata", Text),
    Column("input", Text),
    Column("output", Text),
    # Explicit status from the client; the rolled-up status is `status`.
    Column("reported_status", String(10)),
    Column("status", String(10), nullable=False, server_default="ok"),
    Column("status_message", Text),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("latency_ms", Float),
    Column("observation_count", Integer, nullable=False, server_default="0"),
    Column("error_count", Integer, nullable=False, server_default="0"),
    Column("input_tokens", BigInteger, nullable=False, server_default="0"),
    Column("output_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cost", Float, nullable=False, server_default="0"),
    Column("models", Text),
    Column("public", Boolean, nullable=False, server_default=false()),
    Column("bookmarked", Boolean, nullable=False, server_default=false()),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "start_time"),
    Index(None, "project_rowid", "session_id"),
    Index(None, "project_rowid", "user_id"),
    _test_data_index("traces"),
    # Covers the analytics aggregates (summary, charts, breakdowns) without reading rows.
    Index(
        "ix_traces_analytics",
        "project_rowid",
        "start_time",
        "status",
        "latency_ms",
        "total_tokens",
        "cost",
        "environment",
        "user_id",
        "name",
        "observation_count",
    ),
)

observations = Table(
    "observations",
    metadata,
    Column("observation_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("trace_id", String(64), nullable=False),
    Column("parent_id", String(64)),
    Column("type", String(20), nullable=False),
    Column("name", String(500)),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("completion_start_time", BigInteger),
    Column("model", String(200)),
    Column("provider", String(100)),
    Column("model_parameters", Text),
    Column("input", Text),
    Column("output", Text),
    Column("input_tokens", BigInteger),
    Column("output_tokens", BigInteger),
    Column("total_tokens", BigInteger),
    Column("cache_read_tokens", BigInteger),
    Column("cache_write_tokens", BigInteger),
    Column("reasoning_tokens", BigInteger),
    Column("reported_input_cost", Float),
    Column("reported_output_cost", Float),
    Column("reported_total_cost", Float),
    Column("computed_input_cost", Float),
    Column("computed_output_cost", Float),
    Column("computed_total_cost", Float),
    Column("level", String(10), nullable=False, server_default="DEFAULT"),
    Column("status_message", Text),
    Column("metadata", Text),
    Column("prompt_name", String(200)),
    Column("prompt_version", Integer),
    Column("environment", String(100)),
    Column("version", String(200)),
    Column("attributes", Text),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "start_time"),
    Index(None, "project_rowid", "model", "start_time"),
    _test_data_index("observations"),
    # Covers per-model cost and efficiency over a time range (model calls only).
    Index(
        "ix_observations_model_usage",
        "project_rowid",
        "start_time",
        "model",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "reported_total_cost",
        "computed_total_cost",
        "end_time",
        "level",
        sqlite_where=text("model IS NOT NULL"),
        postgresql_where=text("model IS NOT NULL"),
    ),
    # A trace's observations (trace reads, roll-ups) and its models (the `model` trace
    # filter's EXISTS, answered from the index alone): one index serves both.
    Index("ix_observations_trace_models", "project_rowid", "trace_id", "model"),
    # Failed steps: error clusters, retries, root cause.
    Index(
        "ix_observations_errors",
        "project_rowid",
        "trace_id",
        "start_time",
        sqlite_where=text("level = 'ERROR'"),
        postgresql_where=text("level = 'ERROR'"),
    ),
)

scores = Table(
    "scores",
    metadata,
    Column("score_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("data_type", String(12), nullable=False),
    Column("value", Float),
    Column("string_value", Text),
    Column("source", String(12), nullable=False),
    Column("trace_id", String(64)),
    Column("observation_id", String(64)),
    Column("session_id", String(200)),
    Column("comment", Text),
    Column("metadata", Text),
    Column("author", String(200)),
    Column("environment", String(100)),
    Column("timestamp", BigInteger, nullable=False),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    Index(None, "project_rowid", "trace_id"),
    Index(None, "project_rowid", "session_id"),
    Index(None, "project_rowid", "timestamp"),
    _test_data_index("scores"),
)

model_prices = Table(
    "model_prices",
    metadata,
    Column("price_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("model_name", String(200), nullable=False),
    Column("match_pattern", String(500), nullable=False),
    Column("input_price", Float),
    Column("output_price", Float),
    Column("cache_read_price", Float),
    Column("cache_write_price", Float),
    Column("reasoning_price", Float),
    Column("start_time", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "project_rowid"),
)

rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("bucket_key", String(100), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

prompts = Table(
    "prompts",
    metadata,
    Column("prompt_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("type", String(10), nullable=False),
    # Tags belong to the prompt (every version shares them).
    Column("tags", Text),
    # Highest version ever created: numbers are never reused, even after a delete.
    Column("last_version", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

prompt_versions = Table(
    "prompt_versions",
    metadata,
    Column("version_rowid", RowId, primary_key=True, autoincrement=True),
    Column("prompt_rowid", ForeignKey("prompts.prompt_rowid", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    # A string (text prompts) or a message list (chat prompts), as JSON.
    Column("prompt", Text, nullable=False),
    Column("config", Text),
    Column("commit_message", Text),
    Column("author", String(200)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("prompt_rowid", "version"),
)

# A label names one version of a prompt; moving it rewrites one row.
prompt_labels = Table(
    "prompt_labels",
    metadata,
    Column(
        "prompt_rowid",
        ForeignKey("prompts.prompt_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("label", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("description", Text),
    Column("metadata", Text),
    Column("input_schema", Text),
    Column("expected_output_schema", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

# Items are versioned by time: a change closes the current row (`valid_to`) and adds a new
# one, so the dataset as of T is the rows with valid_from <= T < valid_to (or open).
dataset_items = Table(
    "dataset_items",
    metadata,
    Column("item_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "dataset_rowid", ForeignKey("datasets.dataset_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("id", String(64), nullable=False),
    Column("status", String(10), nullable=False),
    Column("input", Text),
    Column("expected_output", Text),
    Column("metadata", Text),
    Column("source_trace_id", String(64)),
    Column("source_observation_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger),
    UniqueConstraint("project_rowid", "id", "valid_from"),
    Index(None, "dataset_rowid", "valid_to"),
)

dataset_runs = Table(
    "dataset_runs",
    metadata,
    Column("run_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "dataset_rowid", ForeignKey("datasets.dataset_rowid", ondelete="CASCADE"), nullable=False
    ),
    # Derived from (project, dataset, name) as the Langfuse SDK derives experiment ids.
    Column("id", String(64), nullable=False),
    Column("name", String(500), nullable=False),
    Column("description", Text),
    Column("metadata", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "id"),
    UniqueConstraint("dataset_rowid", "name"),
)

dataset_run_items = Table(
    "dataset_run_items",
    metadata,
    Column("run_item_rowid", RowId, primary_key=True, autoincrement=True),
    Column("run_rowid", ForeignKey("dataset_runs.run_rowid", ondelete="CASCADE"), nullable=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("dataset_item_id", String(64), nullable=False),
    Column("trace_id", String(64)),
    Column("observation_id", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("run_rowid", "dataset_item_id"),
)

analytics_settings = Table(
    "analytics_settings",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    # NULL: a trace is slow above the p95 latency of the range asked about.
    Column("slow_threshold_ms", Float),
    Column("updated_at", BigInteger, nullable=False),
)

llm_providers = Table(
    "llm_providers",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("base_url", String(500), nullable=False),
    Column("model", String(200), nullable=False),
    # Fernet token (key derived from TRACEHOUSE_SECRET_KEY); never the plain key.
    Column("api_key_encrypted", Text, nullable=False),
    Column("api_key_hint", String(20), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

usage_counters = Table(
    "usage_counters",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    # Start of the UTC day, epoch microseconds.
    Column("day", BigInteger, primary_key=True),
    Column("api_requests", BigInteger, nullable=False, server_default="0"),
)

# Daily roll-ups of traces for analytics over long ranges; rebuilt from the base tables for
# every day marked in `analytics_dirty_days` (writes mark the days they touch) before a read
# uses it. NULL dimensions are kept as NULL, so the rows have no unique key.
# `trace_model` NULL: every trace of the day; a model: only the traces with a call of that
# model (the `model` trace filter), so a trace is counted once per model it used.
analytics_daily = Table(
    "analytics_daily",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("day", BigInteger, nullable=False),
    Column("environment", String(100)),
    Column("name", String(500)),
    Column("status", String(10), nullable=False),
    Column("trace_model", String(200)),
    Column("traces", BigInteger, nullable=False),
    Column("observations", BigInteger, nullable=False),
    Column("retried", BigInteger, nullable=False),
    Column("latency_count", BigInteger, nullable=False),
    Column("latency_sum", Float, nullable=False),
    # Log-bucketed latency counts (JSON {bucket: count}), mergeable across days.
    Column("latency_hist", Text, nullable=False),
    Column("tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Index(None, "project_rowid", "day"),
)

analytics_daily_models = Table(
    "analytics_daily_models",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("day", BigInteger, nullable=False),
    Column("environment", String(100)),
    Column("name", String(500)),
    Column("status", String(10), nullable=False),
    Column("model", String(200), nullable=False),
    Column("trace_model", String(200)),
    Column("traces", BigInteger, nullable=False),
    Column("calls", BigInteger, nullable=False),
    Column("failed_calls", BigInteger, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("total_tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Column("duration_sum", Float, nullable=False),
    Column("duration_count", BigInteger, nullable=False),
    Index(None, "project_rowid", "day"),
)

analytics_daily_users = Table(
    "analytics_daily_users",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("day", BigInteger, nullable=False),
    Column("user_id", String(200)),
    Column("trace_model", String(200)),
    Column("traces", BigInteger, nullable=False),
    Column("failed", BigInteger, nullable=False),
    Column("latency_count", BigInteger, nullable=False),
    Column("latency_sum", Float, nullable=False),
    Column("tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Index(None, "project_rowid", "day"),
)

analytics_dirty_days = Table(
    "analytics_dirty_days",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("day", BigInteger, primary_key=True),
    # Changes on every mark, so a rebuild clears only the marks it has seen.
    Column("version", BigInteger, nullable=False),
)

# When each day's roll-up rows were last built (a day with no rows may be built and empty):
# what a read serving a stale day reports as its freshness.
analytics_rollup_days = Table(
    "analytics_rollup_days",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("day", BigInteger, primary_key=True),
    Column("built_at", BigInteger, nullable=False),
)

# Settings the server keeps for itself (e.g. the generated secret when none is configured).
server_settings = Table(
    "server_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

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
