"""`/api/v1/billing`: the organization's plan, checkout and the customer portal (org owners and
admins), and the payment provider's signed webhooks."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from tracehouse.audit import context as audit_context
from tracehouse.billing import service
from tracehouse.billing.schemas import CheckoutIn, PortalIn
from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ManagerDep, RuntimeDep, address_limit
from tracehouse.http.errors import error_responses

router = APIRouter(prefix="/api/v1/billing", tags=["billing"])
_ERRORS = error_responses(
    Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited, Unavailable
)


@router.get("", responses=_ERRORS, summary="The organization's plan and billing account")
def get_billing(manager: ManagerDep, rt: RuntimeDep, org_id: str | None = None) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        org = service.billed_org(conn, manager, rt, org_id)
        return service.status(conn, rt, org)


@router.post("/checkout", responses=_ERRORS, summary="Start a checkout for a plan")
def checkout(body: CheckoutIn, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """A checkout session at the payment provider: send the customer to `url`. The plan
    changes when the provider's webhook says the payment completed. 404 when billing is not
    enabled on this instance."""
    return service.checkout(rt, manager, body.org_id, body.plan, body.return_path)


@router.post("/portal", responses=_ERRORS, summary="Open the customer portal")
def portal(body: PortalIn, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """A customer portal session (invoices, payment method, cancel): send the customer to
    `url`. 409 before the organization has bought a plan."""
    return service.portal(rt, manager, body.org_id, body.return_path)


@router.post(
    "/webhooks/{provider}",
    responses=error_responses(InvalidRequest, NotFound, RateLimited),
    dependencies=[Depends(address_limit)],
    summary="The payment provider's webhook (signed)",
)
async def webhook(provider: str, request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """`dodo` (Standard Webhooks headers) or `stripe` (`Stripe-Signature`). A payment that
    completes moves the organization to the plan bought; a subscription that ends moves it to
    `billing_ended_plan`. 400 when the signature does not verify; each event id applies once."""
    body = await request.body()
    audit_context.current().actor = f"billing:{provider[:20]}"
    return await asyncio.to_thread(service.receive, rt, provider, body, dict(request.headers))
