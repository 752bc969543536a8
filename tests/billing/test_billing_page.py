"""The settings page's billing section: plan and usage, Upgrade to the provider's checkout and
Manage to its portal for owners and admins; members see the plan only; without a provider it
says billing is not enabled."""

from __future__ import annotations

import pytest
from tests.billing.conftest import delivery
from tests.billing.fake_providers import Fake
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_upgrade_then_manage_from_the_settings_page(
    billed: Harness, provider: str, fake: Fake
) -> None:
    th = billed
    await log_in(th.client)
    url = f"/ui/p/{await _project_id(th)}/settings"
    page = (await th.client.get(url)).text
    assert 'id="plan-name">free<' in page and 'data-metric="traces"' in page
    assert "Upgrade to pro" in page and "Manage billing" not in page
    token = csrf_of(page)
    upgrade = await th.client.post(
        f"{url}/billing/checkout", data={"plan": "pro", "csrf_token": token}
    )
    assert upgrade.status_code == 303 and upgrade.headers["location"].startswith(fake.url + "/pay/")
    orgs = (await th.client.get("/api/v1/organizations", headers=await th.admin_token())).json()
    body, headers = delivery(provider, "evt_ui", "start", orgs["data"][0]["id"])
    assert (
        await th.client.post(f"/api/v1/billing/webhooks/{provider}", content=body, headers=headers)
    ).status_code == 200
    page = (await th.client.get(url)).text
    assert 'id="plan-name">pro<' in page and "Manage billing" in page
    manage = await th.client.post(f"{url}/billing/portal", data={"csrf_token": token})
    assert manage.status_code == 303 and manage.headers["location"].startswith(fake.url + "/portal")


async def test_without_a_provider_the_section_says_so(th: Harness) -> None:
    await log_in(th.client)
    url = f"/ui/p/{await _project_id(th)}/settings"
    page = (await th.client.get(url)).text
    assert 'id="billing-disabled"' in page and "Upgrade to" not in page
    posted = await th.client.post(
        f"{url}/billing/checkout", data={"plan": "pro", "csrf_token": csrf_of(page)}
    )
    assert posted.status_code == 404 and "not enabled on this instance" in posted.text
