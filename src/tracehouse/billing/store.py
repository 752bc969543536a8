"""SQL of billing: organizations' accounts at the provider, applied events, plans of projects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from tracehouse.store.tables import billing_accounts, billing_events, projects
from tracehouse.store.upsert import upsert


def account(conn: Connection, org_rowid: int) -> Any:
    query = select(billing_accounts).where(billing_accounts.c.org_rowid == org_rowid)
    return conn.execute(query).mappings().first()


def account_of(conn: Connection, provider: str, customer_id: str | None, sub_id: str | None) -> Any:
    """The account of a provider's subscription, else of its customer."""
    b = billing_accounts.c
    for column, value in ((b.subscription_id, sub_id), (b.customer_id, customer_id)):
        if value:
            query = select(billing_accounts).where(b.provider == provider, column == value)
            row = conn.execute(query).mappings().first()
            if row is not None:
                return row
    return None


def save_account(conn: Connection, values: dict[str, Any]) -> None:
    changed = [name for name in values if name != "org_rowid"]
    upsert(conn, billing_accounts, [values], ("org_rowid",), replace=changed)


def seen_event(conn: Connection, provider: str, event_id: str) -> bool:
    e = billing_events.c
    query = select(e.event_id).where(e.provider == provider, e.event_id == event_id)
    return conn.execute(query).first() is not None


def add_event(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(billing_events).values(**values))


def set_org_plan(conn: Connection, org_rowid: int, plan: str) -> None:
    """Move every project of the organization to `plan`."""
    conn.execute(update(projects).where(projects.c.org_rowid == org_rowid).values(plan=plan))


def org_plans(conn: Connection, org_rowid: int) -> list[str]:
    p = projects.c
    query = select(p.plan).where(p.org_rowid == org_rowid).distinct().order_by(p.plan)
    return [str(plan) for plan in conn.execute(query).scalars()]
