"""Checkout → webhook → plan changed → limits changed, through a local fake of each provider's
API (the official SDKs pointed at it); forged signatures refused; replays change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from tests.billing.conftest import PRO_PRODUCT, delivery
from tests.billing.fake_providers import Fake
from tests.conftest import Harness

pytestmark = pytest.mark.anyio


async def _org_id(th: Harness, token: dict[str, str]) -> str:
    orgs = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"]
    return str(orgs[0]["id"])


async def _usage(th: Harness) -> dict[str, Any]:
    response = await th.client.get("/api/v1/usage", headers=th.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _trace(th: Harness, trace_id: str) -> int:
    body = {"id": trace_id, "name": "paid"}
    return (await th.client.post("/api/v1/traces", json=body, headers=th.auth)).status_code


async def _send(th: Harness, provider: str, delivery: tuple[bytes, dict[str, str]]) -> Any:
    body, headers = delivery
    return await th.client.post(
        f"/api/v1/billing/webhooks/{provider}", content=body, headers=headers
    )


async def _plan_changes(th: Harness, token: dict[str, str]) -> list[dict[str, Any]]:
    entries = (await th.client.get("/api/v1/audit-logs/export", headers=token)).json()
    return [e for e in entries if e["action"] == "billing.plan_change"]


async def test_checkout_webhook_moves_the_plan_and_its_limits(
    billed: Harness, provider: str, fake: Fake
) -> None:
    th = billed
    token = await th.admin_token()
    org_id = await _org_id(th, token)
    assert await _trace(th, "t-1") in (200, 201, 202)
    assert await _trace(th, "t-2") == 402  # the free plan's one trace a month is used
    started = await th.client.post(
        "/api/v1/billing/checkout",
        json={"plan": "pro", "returnPath": "/ui/settings"},
        headers=token,
    )
    assert started.status_code == 200, started.text
    assert started.json()["url"].startswith(fake.url + "/pay/")
    _, path, sent, headers = fake.requests[-1]
    assert path == ("/checkouts" if provider == "dodo" else "/v1/checkout/sessions")
    assert headers["Authorization"] == "Bearer sk_test_never_logged_0123456789"
    if provider == "dodo":
        assert sent["metadata"] == {"org_id": org_id, "plan": "pro"}
        assert sent["product_cart"] == [{"product_id": PRO_PRODUCT, "quantity": 1}]
    else:
        assert sent["metadata[org_id]"] == [org_id] and sent["mode"] == ["subscription"]
        assert sent["line_items[0][price]"] == [PRO_PRODUCT]
    assert (await _usage(th))["plan"] == "free"

    paid = await _send(th, provider, delivery(provider, "evt_paid", "start", org_id))
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"received": True, "duplicate": False, "applied": True}
    usage = await _usage(th)
    assert usage["plan"] == "pro" and usage["limits"]["traces"] == 1000
    assert await _trace(th, "t-2") in (200, 201, 202)  # limits changed at once
    again = await _send(th, provider, delivery(provider, "evt_paid_again", "start", org_id))
    assert again.json() == {"received": True, "duplicate": False, "applied": False}

    portal = await th.client.post("/api/v1/billing/portal", json={}, headers=token)
    assert portal.status_code == 200, portal.text
    assert portal.json()["url"].startswith(fake.url + "/portal")
    assert "cus_1" in fake.requests[-1][1] + str(fake.requests[-1][2])

    ended = await _send(th, provider, delivery(provider, "evt_end", "end", org_id))
    assert ended.json()["applied"] is True
    assert (await _usage(th))["plan"] == "free"
    changes = await _plan_changes(th, token)
    assert [c["summary"]["after"]["plan"] for c in reversed(changes)] == ["pro", "free"]
    assert all(c["actor"] == f"billing:{provider}" for c in changes)


async def test_a_replayed_event_changes_nothing(billed: Harness, provider: str) -> None:
    th = billed
    token = await th.admin_token()
    org_id = await _org_id(th, token)
    paid = delivery(provider, "evt_once", "start", org_id)
    assert (await _send(th, provider, paid)).json()["applied"] is True
    await _send(th, provider, delivery(provider, "evt_end", "end", org_id))
    assert (await _usage(th))["plan"] == "free"
    replay = await _send(th, provider, paid)
    assert replay.status_code == 200
    assert replay.json() == {"received": True, "duplicate": True, "applied": False}
    assert (await _usage(th))["plan"] == "free"
    assert len(await _plan_changes(th, token)) == 2


async def test_a_forged_signature_is_refused(billed: Harness, provider: str) -> None:
    th = billed
    token = await th.admin_token()
    org_id = await _org_id(th, token)
    forged_secret = "whsec_Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0" if provider == "dodo" else "x"
    forged = delivery(provider, "evt_forged", "start", org_id, secret=forged_secret)
    response = await _send(th, provider, forged)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == "The webhook signature does not verify."
    body, headers = delivery(provider, "evt_tampered", "start", org_id)
    tampered = await _send(th, provider, (body.replace(b'"pro"', b'"enterprise"'), headers))
    assert tampered.status_code == 400
    unsigned = await th.client.post(f"/api/v1/billing/webhooks/{provider}", content=body)
    assert unsigned.status_code == 400
    assert (await _usage(th))["plan"] == "free"
    assert await _plan_changes(th, token) == []
    genuine = delivery(provider, "evt_forged", "start", org_id)  # the refused id was not kept
    assert (await _send(th, provider, genuine)).json()["applied"] is True
    other = "stripe" if provider == "dodo" else "dodo"
    assert (await _send(th, other, delivery(other, "e", "start", org_id))).status_code == 404


async def test_checkout_bad_input_and_roles(billed: Harness) -> None:
    th = billed
    token = await th.admin_token()
    cases: list[tuple[dict[str, Any], int]] = [
        ({"plan": "enterprise"}, 422),  # not for sale here
        ({"plan": "gold"}, 422),
        ({}, 422),
        ({"plan": "pro", "returnPath": "//evil.example/"}, 422),
        ({"plan": "pro", "returnPath": "https://evil.example/"}, 422),
        ({"plan": "pro", "orgId": "no-such-org"}, 404),
    ]
    for body, status in cases:
        response = await th.client.post("/api/v1/billing/checkout", json=body, headers=token)
        assert response.status_code == status, (body, response.text)
    portal = await th.client.post("/api/v1/billing/portal", json={}, headers=token)
    assert portal.status_code == 409  # nothing bought yet
    assert (
        await th.client.post("/api/v1/billing/checkout", json={"plan": "pro"})
    ).status_code == 401
    data_key = await th.client.post(
        "/api/v1/billing/checkout", json={"plan": "pro"}, headers=th.auth
    )
    assert data_key.status_code == 403


async def test_with_billing_plans_are_bought_not_set(billed: Harness) -> None:
    """An org admin cannot give a project another plan by hand; new projects take the plan
    their organization pays for; an instance admin still may."""
    th = billed
    admin = await th.admin_token()
    org_id = await _org_id(th, admin)
    body = {"email": "owner@example.com", "password": "longenough", "orgId": org_id}
    created = await th.client.post("/api/v1/users", json={**body, "role": "admin"}, headers=admin)
    assert created.status_code == 201, created.text
    login = await th.client.post("/api/v1/auth/login", json=body)
    owner = {"Authorization": f"Bearer {login.json()['token']}"}
    projects = (await th.client.get("/api/v1/projects", headers=owner)).json()["data"]
    patch = {"plan": "enterprise"}
    path = f"/api/v1/projects/{projects[0]['id']}"
    assert (await th.client.patch(path, json=patch, headers=owner)).status_code == 403
    new = await th.client.post("/api/v1/projects", json={"name": "n", **patch}, headers=owner)
    assert new.status_code == 403
    made = await th.client.post("/api/v1/projects", json={"name": "n2"}, headers=owner)
    assert made.json()["project"]["plan"] == "free"
    assert (await th.client.patch(path, json=patch, headers=admin)).status_code == 200


async def _person(th: Harness, email: str, org_id: str, role: str) -> dict[str, str]:
    body = {"email": email, "password": "longenough", "orgId": org_id, "role": role}
    made = await th.client.post("/api/v1/users", json=body, headers=await th.admin_token())
    assert made.status_code == 201, made.text
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": email, "password": "longenough"}
    )
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_billing_stays_in_its_organization(billed: Harness) -> None:
    th = billed
    admin = await th.admin_token()
    acme = await _org_id(th, admin)
    solo = await th.client.post("/api/v1/organizations", json={"name": "Solo"}, headers=admin)
    assert solo.status_code == 201, solo.text
    sol = await _person(th, "sol@example.com", solo.json()["id"], "owner")
    ann = await _person(th, "ann@example.com", acme, "member")
    for token, body, status in (
        (sol, {"plan": "pro", "orgId": acme}, 404),  # another organization: not revealed
        (ann, {"plan": "pro", "orgId": acme}, 403),  # a member, not an admin
        (ann, {"plan": "pro"}, 403),
    ):
        response = await th.client.post("/api/v1/billing/checkout", json=body, headers=token)
        assert response.status_code == status, (body, response.text)
    own = await th.client.post("/api/v1/billing/checkout", json={"plan": "pro"}, headers=sol)
    assert own.status_code == 200, own.text
    assert (
        await th.client.get("/api/v1/billing", params={"org_id": acme}, headers=sol)
    ).status_code == 404
    assert (await th.client.get("/api/v1/billing", headers=sol)).json()["org_id"] == solo.json()[
        "id"
    ]
