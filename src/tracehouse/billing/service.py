"""Billing rules: who may buy for an organization, checkout and portal sessions at the
provider, and verified webhook events moving the organization between plans (once per event)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tracehouse.audit import service as audit
from tracehouse.billing import store
from tracehouse.billing.provider import (
    BillingDisabled,
    BillingEvent,
    CheckoutRequest,
    PaymentProvider,
    build,
)
from tracehouse.clock import now_us
from tracehouse.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tracehouse.http.auth import Manager
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime


def provider(rt: Runtime) -> PaymentProvider:
    """The configured payment provider (built once per server), or 404 billing disabled."""
    if rt.payments is None:
        rt.payments = build(rt.settings)
    if rt.payments is None:
        raise BillingDisabled()
    payments: PaymentProvider = rt.payments
    return payments


def billed_org(conn: Connection, manager: Manager, rt: Runtime, org_id: str | None) -> Any:
    """The organization billed: the named one (404 if not the caller's, 403 unless admin), else
    the first one the caller administers."""
    if org_id is not None:
        org = project_store.find_org(conn, org_id=org_id)
        if org is None or not manager.can_read(rt, org["org_rowid"]):
            raise NotFound(f"No organization {org_id!r}.")
        if not manager.can_manage(rt, org["org_rowid"]):
            raise Forbidden("Only owners and admins of the organization manage its billing.")
        return org
    key, user = manager.principal.key, manager.principal.user
    if key is not None:
        return project_store.org_by_rowid(conn, key["org_rowid"])
    for org in project_store.orgs_of_user(conn, None if user["is_admin"] else user["user_rowid"]):
        if manager.can_manage(rt, org["org_rowid"]):
            return org
    raise Forbidden("Only owners and admins of an organization manage its billing.")


def status(conn: Connection, rt: Runtime, org: Any) -> dict[str, Any]:
    """The organization's plan and account, and what can be bought here."""
    account = store.account(conn, org["org_rowid"])
    plans = store.org_plans(conn, org["org_rowid"])
    return {
        "enabled": rt.settings.billing_provider is not None,
        "provider": rt.settings.billing_provider,
        "org_id": org["id"],
        "plan": account["plan"] if account else (plans[0] if len(plans) == 1 else None),
        "project_plans": plans,
        "has_customer": bool(account and account["customer_id"]),
        "subscription_id": account["subscription_id"] if account else None,
        "purchasable": sorted(rt.settings.billing_products),
        "limits": {p: rt.settings.plan_limits.get(p) for p in sorted(rt.settings.plan_limits)},
    }


def return_url(rt: Runtime, path: str | None) -> str:
    """An absolute URL on this server (never another site: no open redirect)."""
    path = path or "/ui/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        raise ValidationFailed(
            "return_path must be a path on this server.",
            [{"field": "return_path", "message": "must start with a single /"}],
        )
    return rt.settings.base_url.rstrip("/") + path


def checkout(
    rt: Runtime, manager: Manager, org_id: str | None, plan: str, path: str | None
) -> dict[str, Any]:
    payments = provider(rt)
    product = rt.settings.billing_products.get(plan)
    if product is None:
        raise ValidationFailed(
            f"The {plan!r} plan cannot be bought here.",
            [{"field": "plan", "message": f"one of {sorted(rt.settings.billing_products)}"}],
        )
    with rt.db.reader.connect() as conn:
        org = billed_org(conn, manager, rt, org_id)
        account = store.account(conn, org["org_rowid"])
    user = manager.principal.user
    url = return_url(rt, path)
    request = CheckoutRequest(
        org_id=org["id"],
        plan=plan,
        product=product,
        email=user["email"] if user is not None else None,
        customer_id=account["customer_id"] if account else None,
        success_url=url,
        cancel_url=url,
    )
    session = payments.checkout(request)
    return {"provider": payments.name, "url": session.url, "session_id": session.session_id}


def portal(rt: Runtime, manager: Manager, org_id: str | None, path: str | None) -> dict[str, Any]:
    payments = provider(rt)
    with rt.db.reader.connect() as conn:
        org = billed_org(conn, manager, rt, org_id)
        account = store.account(conn, org["org_rowid"])
    if account is None or not account["customer_id"]:
        raise Conflict("This organization has no customer account yet: buy a plan first.")
    url = payments.portal(account["customer_id"], return_url(rt, path))
    return {"provider": payments.name, "url": url}


def receive(rt: Runtime, name: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Verify a webhook of provider `name` and apply it once; a replayed event id changes
    nothing."""
    payments = provider(rt)
    if name != payments.name:
        raise NotFound(f"Billing here goes through {payments.name}, not {name!r}.")
    event = payments.event(body, headers)
    try:
        with rt.db.writer.begin() as conn:
            if store.seen_event(conn, name, event.event_id):
                return {"received": True, "duplicate": True, "applied": False}
            applied = _apply(conn, rt, name, event)
    except IntegrityError:  # the same event, applied by a concurrent delivery
        return {"received": True, "duplicate": True, "applied": False}
    rt.quota_cache.clear()  # limits follow the plan at once
    return {"received": True, "duplicate": False, "applied": applied}


def _apply(conn: Connection, rt: Runtime, name: str, event: BillingEvent) -> bool:
    org = _event_org(conn, name, event)
    plan = _event_plan(rt, event)
    store.add_event(
        conn,
        {
            "provider": name,
            "event_id": event.event_id,
            "event_type": event.event_type[:100],
            "org_rowid": org["org_rowid"] if org else None,
            "received_at": now_us(),
        },
    )
    if org is None or plan is None:
        return False
    if _stale_end(conn, org, event) or _same(conn, org, plan, event):
        return False
    move(conn, org, plan, name, event)
    return True


def _event_org(conn: Connection, name: str, event: BillingEvent) -> Any:
    if event.change is None:
        return None
    if event.org_id:
        return project_store.find_org(conn, org_id=event.org_id)
    account = store.account_of(conn, name, event.customer_id, event.subscription_id)
    return project_store.org_by_rowid(conn, account["org_rowid"]) if account else None


def _event_plan(rt: Runtime, event: BillingEvent) -> str | None:
    if event.change == "end":
        return rt.settings.billing_ended_plan
    products = rt.settings.billing_products
    if event.plan in products:
        return event.plan
    return next((plan for plan, product in products.items() if product == event.product), None)


def _same(conn: Connection, org: Any, plan: str, event: BillingEvent) -> bool:
    """Nothing would change: the account and every project are on `plan` with this
    subscription already (e.g. a Dodo subscription's `payment.succeeded` after its
    `subscription.active`)."""
    account = store.account(conn, org["org_rowid"])
    if account is None or account["plan"] != plan:
        return False
    same_subscription = event.subscription_id in (None, account["subscription_id"])
    return same_subscription and store.org_plans(conn, org["org_rowid"]) == [plan]


def _stale_end(conn: Connection, org: Any, event: BillingEvent) -> bool:
    """The end of a subscription the organization no longer pays with (it moved to another)."""
    account = store.account(conn, org["org_rowid"])
    current = account["subscription_id"] if account else None
    return event.change == "end" and bool(current and event.subscription_id != current)


def move(conn: Connection, org: Any, plan: str, name: str, event: BillingEvent) -> None:
    """Put the organization (all its projects) on `plan`, and remember its account."""
    account = store.account(conn, org["org_rowid"])
    before = store.org_plans(conn, org["org_rowid"])
    store.set_org_plan(conn, org["org_rowid"], plan)
    store.save_account(
        conn,
        {
            "org_rowid": org["org_rowid"],
            "provider": name,
            "customer_id": event.customer_id or (account["customer_id"] if account else None),
            "subscription_id": event.subscription_id if event.change == "start" else None,
            "plan": plan,
            "updated_at": now_us(),
        },
    )
    audit.record(
        conn,
        "billing.plan_change",
        ("organization", org["id"]),
        org_rowid=org["org_rowid"],
        before={"plans": before},
        after={"plan": plan, "provider": name, "event": event.event_type, "id": event.event_id},
    )


def plan_of_new_project(
    conn: Connection, rt: Runtime, manager: Manager, org_rowid: int, requested: str | None
) -> str:
    """A new project's plan: with billing, the one its organization pays for (another only
    by an instance admin); without, the one asked for or the default."""
    if rt.settings.billing_provider is None:
        return requested or rt.settings.default_plan
    account = store.account(conn, org_rowid)
    plan: str = account["plan"] if account else rt.settings.default_plan
    if requested not in (None, plan):
        _require_instance_admin(manager)
    return requested or plan


def guard_plan_change(rt: Runtime, manager: Manager, changes: Mapping[str, Any]) -> None:
    """With billing, plans are bought: only an instance admin sets one by hand."""
    if rt.settings.billing_provider is not None and "plan" in changes:
        _require_instance_admin(manager)


def _require_instance_admin(manager: Manager) -> None:
    user = manager.principal.user
    if user is None or not user["is_admin"]:
        raise Forbidden(
            "Plans are bought on this instance: POST /api/v1/billing/checkout "
            "(only an instance admin sets a plan by hand)."
        )
