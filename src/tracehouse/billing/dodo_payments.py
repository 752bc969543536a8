"""Dodo Payments through its official SDK (`dodopayments`); webhooks are Standard Webhooks,
verified by the SDK's `unwrap` (which uses the `standardwebhooks` package)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dodopayments
import orjson
from standardwebhooks import WebhookVerificationError

from tracehouse.billing.provider import (
    BillingEvent,
    Change,
    Checkout,
    CheckoutRequest,
    WebhookRefused,
)
from tracehouse.errors import Unavailable

_CHANGES: dict[str, Change] = {
    "subscription.active": "start",
    "subscription.renewed": "start",
    "payment.succeeded": "start",
    "subscription.cancelled": "end",
    "subscription.expired": "end",
    "subscription.failed": "end",
}


class DodoPayments:
    name = "dodo"

    def __init__(self, api_key: str, webhook_secret: str | None, base_url: str | None) -> None:
        self._client = dodopayments.DodoPayments(
            bearer_token=api_key, webhook_key=webhook_secret, base_url=base_url, max_retries=1
        )
        self._webhook_secret = webhook_secret

    def checkout(self, request: CheckoutRequest) -> Checkout:
        customer: Any = (
            {"customer_id": request.customer_id}
            if request.customer_id
            else {"email": request.email}
            if request.email
            else dodopayments.omit
        )
        try:
            session = self._client.checkout_sessions.create(
                product_cart=[{"product_id": request.product, "quantity": 1}],
                customer=customer,
                metadata={"org_id": request.org_id, "plan": request.plan},
                return_url=request.success_url,
                cancel_url=request.cancel_url,
            )
        except dodopayments.APIError as exc:
            raise Unavailable(f"Dodo Payments refused the checkout: {_reason(exc)}") from exc
        if not session.checkout_url:
            raise Unavailable("Dodo Payments answered without a checkout URL.")
        return Checkout(session.checkout_url, session.session_id)

    def portal(self, customer_id: str, return_url: str) -> str:
        try:
            portal = self._client.customers.customer_portal.create(
                customer_id, return_url=return_url
            )
        except dodopayments.APIError as exc:
            raise Unavailable(f"Dodo Payments refused the portal: {_reason(exc)}") from exc
        return portal.link

    def event(self, body: bytes, headers: Mapping[str, str]) -> BillingEvent:
        if not self._webhook_secret:
            raise WebhookRefused("No webhook secret is configured: webhooks are refused.")
        wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
        lowered = {k.lower(): v for k, v in headers.items() if k.lower() in wanted}
        try:
            self._client.webhooks.unwrap(body.decode(), headers=lowered)
            event = orjson.loads(body)
        except (WebhookVerificationError, ValueError) as exc:
            raise WebhookRefused("The webhook signature does not verify.") from exc
        return _event(lowered["webhook-id"], event)


def _event(event_id: str, event: dict[str, Any]) -> BillingEvent:
    data = event.get("data") or {}
    metadata = data.get("metadata") or {}
    customer = data.get("customer") or {}
    kind = str(event.get("type") or "")
    subscription = data.get("subscription_id")
    change = _CHANGES.get(kind)
    if kind == "payment.succeeded" and not metadata.get("plan"):
        change = None  # a payment of something else than a plan
    return BillingEvent(
        event_id=event_id,
        event_type=kind,
        change=change,
        org_id=metadata.get("org_id"),
        plan=metadata.get("plan"),
        product=data.get("product_id"),
        customer_id=customer.get("customer_id"),
        subscription_id=subscription,
    )


def _reason(exc: dodopayments.APIError) -> str:
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if status else type(exc).__name__
