"""Stripe through its official SDK (`stripe`): Checkout Sessions in subscription mode, the
Billing Portal, and webhooks verified by `stripe.Webhook.construct_event`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from tracehouse.billing.provider import (
    BillingEvent,
    Change,
    Checkout,
    CheckoutRequest,
    WebhookRefused,
)
from tracehouse.errors import Unavailable

_CHANGES: dict[str, Change] = {
    "checkout.session.completed": "start",
    "customer.subscription.deleted": "end",
}


class StripePayments:
    name = "stripe"

    def __init__(self, api_key: str, webhook_secret: str | None, base_url: str | None) -> None:
        addresses: Any = {"api": base_url} if base_url else None
        self._client = stripe.StripeClient(api_key, base_addresses=addresses, max_network_retries=1)
        self._webhook_secret = webhook_secret

    def checkout(self, request: CheckoutRequest) -> Checkout:
        marks = {"org_id": request.org_id, "plan": request.plan}
        params: Any = {
            "mode": "subscription",
            "line_items": [{"price": request.product, "quantity": 1}],
            "client_reference_id": request.org_id,
            "metadata": marks,
            "subscription_data": {"metadata": marks},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        elif request.email:
            params["customer_email"] = request.email
        try:
            session = self._client.v1.checkout.sessions.create(params=params)
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe refused the checkout: {_reason(exc)}") from exc
        if not session.url:
            raise Unavailable("Stripe answered without a checkout URL.")
        return Checkout(session.url, session.id)

    def portal(self, customer_id: str, return_url: str) -> str:
        params: Any = {"customer": customer_id, "return_url": return_url}
        try:
            session = self._client.v1.billing_portal.sessions.create(params=params)
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe refused the portal: {_reason(exc)}") from exc
        return str(session.url)

    def event(self, body: bytes, headers: Mapping[str, str]) -> BillingEvent:
        if not self._webhook_secret:
            raise WebhookRefused("No webhook secret is configured: webhooks are refused.")
        signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        try:
            event = stripe.Webhook.construct_event(body, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookRefused("The webhook signature does not verify.") from exc
        return _event(event.to_dict())


def _event(event: dict[str, Any]) -> BillingEvent:
    kind = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    metadata = obj.get("metadata") or {}
    is_subscription = obj.get("object") == "subscription"
    return BillingEvent(
        event_id=str(event.get("id")),
        event_type=kind,
        change=_CHANGES.get(kind),
        org_id=metadata.get("org_id") or obj.get("client_reference_id"),
        plan=metadata.get("plan"),
        customer_id=_id(obj.get("customer")),
        subscription_id=obj.get("id") if is_subscription else _id(obj.get("subscription")),
    )


def _id(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object (then its id)."""
    return value.get("id") if isinstance(value, dict) else value


def _reason(exc: stripe.StripeError) -> str:
    status = exc.http_status
    return f"HTTP {status}" if status else type(exc).__name__
