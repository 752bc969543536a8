"""Analytics: per-project settings, the insights LLM provider, and the daily roll-ups with
the marks of their stale days."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)

from tracehouse.store.tables.base import metadata

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

# Daily roll-ups of traces for analytics over long ranges. Each ingestion batch appends its
# changes (`analytics/contrib.py`), so a group may have several rows, which reads sum; the
# refresher compacts them, and rebuilds the days a retention purge marked in
# `analytics_dirty_days`. NULL dimensions are kept as NULL.
# `trace_model` NULL: every trace of the day; a model: only the traces with a call of that
# model (the `model` trace filter), so a trace is counted once per model it used.
#: The figures of one model's calls in a trace, in this order (`traces.model_calls` too).
MODEL_FIGURES = (
    "calls",
    "failed_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost",
    "duration_sum",
    "duration_count",
)
#: The figures (summed columns) of each roll-up table below, in order.
DAILY_FIGURES = (
    "traces",
    "observations",
    "retried",
    "latency_count",
    "latency_sum",
    "tokens",
    "cost",
)
MODEL_DAILY_FIGURES = ("traces", *MODEL_FIGURES)
USER_DAILY_FIGURES = ("traces", "failed", "latency_count", "latency_sum", "tokens", "cost")

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

# Per-version roll-ups (`versions` compare): the same days, appended and rebuilt with the
# others, keyed by a version a trace names: `kind` `commit` (its VCS revision, lower case),
# `branch` (its VCS branch) or `release`. Histograms as `latency_hist` (log buckets): latency
# in ms, tokens, cost in micro-USD.
VERSION_FIGURES = ("traces", "errors", "latency_count", "latency_sum", "tokens", "cost")
VERSION_HISTS = ("latency_hist", "tokens_hist", "cost_hist")
#: The figures of one score name's numeric values (Welch's t-test needs no more).
VERSION_SCORE_FIGURES = ("scores", "total", "squares")

analytics_daily_versions = Table(
    "analytics_daily_versions",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("day", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("version", String(300), nullable=False),
    Column("traces", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("latency_count", BigInteger, nullable=False),
    Column("latency_sum", Float, nullable=False),
    Column("tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Column("latency_hist", Text, nullable=False),
    Column("tokens_hist", Text, nullable=False),
    Column("cost_hist", Text, nullable=False),
    Index(None, "project_rowid", "day"),
    Index("ix_analytics_daily_versions_key", "project_rowid", "kind", "version"),
)

# The numeric and boolean scores of each version's traces, by day of the trace.
analytics_daily_version_scores = Table(
    "analytics_daily_version_scores",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("day", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("version", String(300), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scores", BigInteger, nullable=False),
    Column("total", Float, nullable=False),
    Column("squares", Float, nullable=False),
    Index(None, "project_rowid", "day"),
    Index("ix_analytics_daily_version_scores_key", "project_rowid", "kind", "version"),
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
