"""Without a configured payment provider every billing endpoint says so, clearly."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = pytest.mark.anyio


async def test_billing_is_not_enabled_without_a_provider(th: Harness) -> None:
    token = await th.admin_token()
    for path in ("/api/v1/billing/checkout", "/api/v1/billing/portal"):
        response = await th.client.post(path, json={"plan": "pro"}, headers=token)
        assert response.status_code == 404, response.text
        error = response.json()["error"]
        assert error["message"] == "Billing is not enabled on this instance."
        assert "TRACEHOUSE_BILLING_PROVIDER" in error["details"]["hint"]
    hook = await th.client.post("/api/v1/billing/webhooks/stripe", content=b"{}")
    assert hook.status_code == 404
    assert "not enabled" in hook.json()["error"]["message"]
    status = await th.client.get("/api/v1/billing", headers=token)
    assert status.status_code == 200 and status.json()["enabled"] is False
