"""The payment-provider interface (checkout, customer portal, verified webhook events) and the
choice of implementation from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from tracehouse.config import Settings
from tracehouse.errors import InvalidRequest, NotFound

DISABLED = "billing is not enabled on this instance"

#: What an event does to the organization's plan: start (or renew) a paid plan, end it.
Change = Literal["start", "end"]


class BillingDisabled(NotFound):
    """No payment provider is configured."""

    def __init__(self) -> None:
        super().__init__(
            f"{DISABLED.capitalize()}.",
            {"hint": "Set TRACEHOUSE_BILLING_PROVIDER and its key (see docs/billing.md)."},
        )


class WebhookRefused(InvalidRequest):
    """A webhook whose signature does not verify (or that is not the provider's JSON)."""


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    org_id: str
    plan: str
    product: str  # the provider's product (Dodo) or price (Stripe) id
    email: str | None
    customer_id: str | None  # set once the organization has paid before
    success_url: str
    cancel_url: str


@dataclass(frozen=True, slots=True)
class Checkout:
    url: str
    session_id: str


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """A verified webhook event, reduced to what moves a plan."""

    event_id: str
    event_type: str
    change: Change | None  # None: an event Tracehouse does not act on
    org_id: str | None = None
    plan: str | None = None
    product: str | None = None
    customer_id: str | None = None
    subscription_id: str | None = None


class PaymentProvider(Protocol):
    name: str

    def checkout(self, request: CheckoutRequest) -> Checkout: ...

    def portal(self, customer_id: str, return_url: str) -> str: ...

    def event(self, body: bytes, headers: Mapping[str, str]) -> BillingEvent: ...


def build(settings: Settings) -> PaymentProvider | None:
    """The configured provider, or None when billing is not enabled."""
    if settings.billing_provider is None:
        return None
    if settings.billing_api_key is None:
        raise ValueError("TRACEHOUSE_BILLING_API_KEY is needed with TRACEHOUSE_BILLING_PROVIDER")
    key = settings.billing_api_key.get_secret_value()
    secret = settings.billing_webhook_secret
    webhook_secret = secret.get_secret_value() if secret else None
    if settings.billing_provider == "stripe":
        from tracehouse.billing.stripe_payments import StripePayments

        return StripePayments(key, webhook_secret, settings.billing_api_base_url)
    from tracehouse.billing.dodo_payments import DodoPayments

    return DodoPayments(key, webhook_secret, settings.billing_api_base_url)
