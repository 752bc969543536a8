"""Billing: each organization's account at the payment provider (customer, subscription, the
plan it pays for) and the provider events already applied (webhooks are idempotent on them)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, PrimaryKeyConstraint, String, Table

from tracehouse.store.tables.base import metadata

billing_accounts = Table(
    "billing_accounts",
    metadata,
    Column(
        "org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("provider", String(20), nullable=False),  # dodo | stripe
    Column("customer_id", String(200)),
    Column("subscription_id", String(200)),
    Column("plan", String(20), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# No foreign key: the record that an event was applied outlives the organization it named.
billing_events = Table(
    "billing_events",
    metadata,
    Column("provider", String(20), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("org_rowid", BigInteger),
    Column("received_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("provider", "event_id"),
)
