"""Alerts: notification channels (their targets encrypted), rules over a metric of the
project's traces with their current state, and the history of their state changes."""

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
)

from tracehouse.store.tables.base import RowId, metadata

alert_channels = Table(
    "alert_channels",
    metadata,
    Column("channel_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # webhook | slack | email | pagerduty
    Column("target_encrypted", Text),  # the URL or routing key, encrypted with the server secret
    Column("target_hint", String(300), nullable=False),  # what may be shown of the target
    Column("recipients", Text),  # JSON list of e-mail addresses (email)
    Column("secret_encrypted", Text),  # the webhook signing secret, encrypted
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
)

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("rule_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("enabled", Boolean, nullable=False),
    Column("metric", String(40), nullable=False),
    Column("score_name", String(200)),
    Column("category", String(200)),
    Column("severity", String(20)),
    Column("filter", Text, nullable=False),  # JSON: trace filters
    Column("window_seconds", Integer, nullable=False),
    Column("comparison", String(10), nullable=False),  # above | below
    Column("mode", String(10), nullable=False),  # value | change
    Column("warning", Float),
    Column("critical", Float),
    Column("no_data", String(10), nullable=False),  # ok | keep | warning | critical
    Column("cooldown_seconds", Integer, nullable=False),
    Column("channel_ids", Text, nullable=False),  # JSON list of channel ids
    Column("state", String(10), nullable=False),  # ok | warning | critical
    Column("state_since", BigInteger, nullable=False),
    Column("last_value", Float),
    Column("last_evaluated_at", BigInteger),
    Column("last_notified_at", BigInteger),
    Column("next_evaluation_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "name"),
    Index(None, "enabled", "next_evaluation_at"),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("event_rowid", RowId, primary_key=True, autoincrement=True),
    Column("rule_rowid", ForeignKey("alert_rules.rule_rowid", ondelete="CASCADE"), nullable=False),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("created_at", BigInteger, nullable=False),
    Column("from_state", String(10), nullable=False),
    Column("to_state", String(10), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Column("no_data", Boolean, nullable=False),
    Column("notified", Boolean, nullable=False),
    Column("deliveries", Text, nullable=False),  # JSON list: channel, ok, attempts, error
    Index(None, "rule_rowid", "created_at"),
    Index(None, "project_rowid", "created_at"),
)
