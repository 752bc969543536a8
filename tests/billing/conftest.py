"""The app with billing through a fake Dodo Payments or Stripe (each test runs with both, on
SQLite and PostgreSQL), and the provider's signed webhook deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.billing import fake_providers
from tests.conftest import Harness, make_settings, start

PRO_PRODUCT = "prod_pro"
#: Small limits, so the plan change shows in what ingestion accepts.
LIMITS = {
    "free": {"traces": 1, "observations": None, "api_requests": None},
    "pro": {"traces": 1000, "observations": None, "api_requests": None},
    "enterprise": {"traces": None, "observations": None, "api_requests": None},
}


@pytest.fixture(scope="module")
def fake() -> Iterator[fake_providers.Fake]:
    with fake_providers.running() as running:
        yield running


@pytest.fixture(params=["dodo", "stripe"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def billed(
    provider: str,
    db_kind: str,
    fake: fake_providers.Fake,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Harness]:
    secret = fake_providers.DODO_SECRET if provider == "dodo" else fake_providers.STRIPE_SECRET
    settings = make_settings(
        db_kind,
        tmp_path,
        request,
        billing_provider=provider,
        billing_api_key="sk_test_never_logged_0123456789",
        billing_webhook_secret=secret,
        billing_api_base_url=fake.url,
        billing_products={"pro": PRO_PRODUCT},
        default_plan="free",
        plan_limits=LIMITS,
        usage_cache_seconds=0,
    )
    fake.requests.clear()
    async for harness in start(settings):
        yield harness


def delivery(
    provider: str, event_id: str, change: str, org_id: str, secret: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed webhook of `provider`: a completed payment for pro (`start`) or the end of the
    subscription (`end`), for organization `org_id`."""
    marks = {"org_id": org_id, "plan": "pro"}
    if provider == "dodo":
        data: dict[str, Any] = {
            "payload_type": "Subscription",
            "subscription_id": "sub_1",
            "product_id": PRO_PRODUCT,
            "customer": {"customer_id": "cus_1", "email": "a@example.com", "name": "A"},
            "metadata": marks,
        }
        kind = "subscription.active" if change == "start" else "subscription.cancelled"
        return fake_providers.dodo_delivery(
            event_id, kind, data, secret or fake_providers.DODO_SECRET
        )
    if change == "start":
        obj: dict[str, Any] = {
            "id": "cs_1",
            "object": "checkout.session",
            "customer": "cus_1",
            "subscription": "sub_1",
            "client_reference_id": org_id,
            "metadata": marks,
        }
        kind = "checkout.session.completed"
    else:
        obj = {"id": "sub_1", "object": "subscription", "customer": "cus_1", "metadata": marks}
        kind = "customer.subscription.deleted"
    return fake_providers.stripe_delivery(
        event_id, kind, obj, secret or fake_providers.STRIPE_SECRET
    )
