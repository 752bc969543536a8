"""The billing section of a project's settings: the organization's plan, this month's usage
against its limits, Upgrade (checkout) and Manage (customer portal) for owners and admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from tracehouse.billing import service as billing
from tracehouse.billing import store as billing_store
from tracehouse.errors import Forbidden
from tracehouse.http.auth import Manager, Principal, ProjectScope, RuntimeDep
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.usage import service as usage

router = APIRouter(prefix="/ui/p/{project_id}/settings/billing", include_in_schema=False)


def view(rt: Runtime, scope: ProjectScope, can_manage: bool) -> dict[str, Any]:
    """What the billing section shows."""
    used = usage.usage(rt, scope)
    with rt.db.reader.connect() as conn:
        account = billing_store.account(conn, scope.org_rowid)
    enabled = rt.settings.billing_provider is not None
    return {
        "enabled": enabled,
        "provider": rt.settings.billing_provider,
        "plan": used["plan"],
        "metrics": used["metrics"],
        "upgrades": [p for p in sorted(rt.settings.billing_products) if p != used["plan"]],
        "can_buy": enabled and can_manage,
        "has_customer": bool(account and account["customer_id"]),
    }


def _manager(rt: Runtime, who: Any, org_rowid: int) -> Manager:
    manager = Manager(Principal(user=who.user))
    if not manager.can_manage(rt, org_rowid):
        raise Forbidden("Only owners and admins of the organization manage its billing.")
    return manager


def _org_id(rt: Runtime, org_rowid: int) -> str:
    with rt.db.reader.connect() as conn:
        return str(project_store.org_by_rowid(conn, org_rowid)["id"])


@router.post("/checkout")
def checkout(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """To the provider's checkout; it sends the customer back to these settings."""
    scope = who.scope(project_id)
    manager = _manager(rt, who, scope.org_rowid)
    back = f"/ui/p/{project_id}/settings#billing"
    org_id = _org_id(rt, scope.org_rowid)
    started = billing.checkout(rt, manager, org_id, fields.get("plan", ""), back)
    return RedirectResponse(started["url"], status_code=303)


@router.post("/portal")
def portal(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    manager = _manager(rt, who, scope.org_rowid)
    back = f"/ui/p/{project_id}/settings#billing"
    opened = billing.portal(rt, manager, _org_id(rt, scope.org_rowid), back)
    return RedirectResponse(opened["url"], status_code=303)
