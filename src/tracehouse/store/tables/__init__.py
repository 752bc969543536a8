"""The one schema (SQLAlchemy Core) for SQLite and PostgreSQL, one module per area.

Times are BIGINT epoch microseconds; JSON values are TEXT written with orjson, so both
dialects store and compare them the same way. Integer keys end in `_rowid`, public ids in `id`.
"""

from __future__ import annotations

from tracehouse.store.tables.accounts import (
    api_keys,
    login_failures,
    login_tokens,
    memberships,
    organizations,
    project_members,
    projects,
    rate_limit_buckets,
    server_settings,
    usage_counters,
    users,
)
from tracehouse.store.tables.alerts import alert_channels, alert_events, alert_rules
from tracehouse.store.tables.analytics import (
    analytics_daily,
    analytics_daily_models,
    analytics_daily_users,
    analytics_daily_version_scores,
    analytics_daily_versions,
    analytics_dirty_days,
    analytics_rollup_days,
    analytics_settings,
    llm_providers,
)
from tracehouse.store.tables.audit import audit_log
from tracehouse.store.tables.base import RowId, metadata
from tracehouse.store.tables.billing import billing_accounts, billing_events
from tracehouse.store.tables.collab import (
    assignments,
    comments,
    notification_preferences,
    notifications,
)
from tracehouse.store.tables.datasets import (
    dataset_items,
    dataset_run_items,
    dataset_runs,
    datasets,
)
from tracehouse.store.tables.devloop import (
    checkpoint_blobs,
    checkpoint_files,
    checkpoints,
    ci_run_traces,
    ci_runs,
    git_link_targets,
    git_links,
)
from tracehouse.store.tables.evaluation import (
    annotation_items,
    annotation_queues,
    evaluation_results,
    evaluation_runs,
    evaluations,
    evaluators,
    monitor_claims,
    monitors,
    provider_credentials,
)
from tracehouse.store.tables.forks import fork_replays, forks
from tracehouse.store.tables.masking import masking_rules, masking_state
from tracehouse.store.tables.media import media
from tracehouse.store.tables.memory import embedding_indexes, memories, project_embedders
from tracehouse.store.tables.metrics import metric_points
from tracehouse.store.tables.prompts import (
    prompt_labels,
    prompt_versions,
    prompts,
)
from tracehouse.store.tables.search import search_chunks, search_state, search_traces
from tracehouse.store.tables.skills import skill_labels, skill_versions, skills
from tracehouse.store.tables.tapes import tape_views, tapes
from tracehouse.store.tables.tracing import (
    model_prices,
    observations,
    scores,
    trace_model_calls,
    traces,
)
from tracehouse.store.tables.views import saved_views

__all__ = [
    "RowId",
    "alert_channels",
    "alert_events",
    "alert_rules",
    "analytics_daily",
    "analytics_daily_models",
    "analytics_daily_users",
    "analytics_daily_version_scores",
    "analytics_daily_versions",
    "analytics_dirty_days",
    "analytics_rollup_days",
    "analytics_settings",
    "annotation_items",
    "annotation_queues",
    "api_keys",
    "assignments",
    "audit_log",
    "billing_accounts",
    "billing_events",
    "checkpoint_blobs",
    "checkpoint_files",
    "checkpoints",
    "ci_run_traces",
    "ci_runs",
    "comments",
    "dataset_items",
    "dataset_run_items",
    "dataset_runs",
    "datasets",
    "embedding_indexes",
    "evaluation_results",
    "evaluation_runs",
    "evaluations",
    "evaluators",
    "fork_replays",
    "forks",
    "git_link_targets",
    "git_links",
    "llm_providers",
    "login_failures",
    "login_tokens",
    "masking_rules",
    "masking_state",
    "media",
    "memberships",
    "memories",
    "metadata",
    "metric_points",
    "model_prices",
    "monitor_claims",
    "monitors",
    "notification_preferences",
    "notifications",
    "observations",
    "organizations",
    "project_embedders",
    "project_members",
    "projects",
    "prompt_labels",
    "prompt_versions",
    "prompts",
    "provider_credentials",
    "rate_limit_buckets",
    "saved_views",
    "scores",
    "search_chunks",
    "search_state",
    "search_traces",
    "server_settings",
    "skill_labels",
    "skill_versions",
    "skills",
    "tape_views",
    "tapes",
    "trace_model_calls",
    "traces",
    "usage_counters",
    "users",
]
