"""One walk through every kind of change the issue lists, made the way people make them (the
API with a login token, the web UI, a key, the payment provider's webhook): each is recorded
with its actor, and the chain verifies afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.billing.conftest import delivery
from tests.billing.fake_providers import STRIPE_SECRET
from tests.conftest import ADMIN_EMAIL, Harness, make_settings, start
from tests.ui.conftest import csrf_of, log_in

from tracehouse.audit import service as audit
from tracehouse.store.engine import open_database

pytestmark = pytest.mark.anyio

#: Each kind of change of the issue's list, and an action that records it.
LISTED = {
    "logins": "auth.login",
    "failed logins": "auth.login_failed",
    "keys": "api_key.create",
    "members": "member.add",
    "roles": "member.role",
    "settings": "project.update",
    "retention": "project.retention",
    "billing plans": "billing.plan_change",
    "deletions": "project.delete",
    "exports": "audit_log.export",
    "trace exports": "trace.export",
}


@pytest.fixture
async def billed(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    settings = make_settings(
        db_kind,
        tmp_path,
        request,
        billing_provider="stripe",
        billing_api_key="sk_test_walk_0123456789",
        billing_webhook_secret=STRIPE_SECRET,
        billing_products={"pro": "price_pro"},
    )
    async for harness in start(settings):
        yield harness


async def _ok(response: Any) -> Any:
    assert response.status_code < 400, response.text
    return response


async def test_every_listed_kind_of_change_is_recorded(billed: Harness) -> None:
    th = billed
    assert (
        await th.client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "nope-nope"}
        )
    ).status_code == 401
    token = await th.admin_token()
    orgs = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"]
    org_id = orgs[0]["id"]
    made = (
        await _ok(await th.client.post("/api/v1/projects", json={"name": "walk"}, headers=token))
    ).json()
    walk = made["project"]["id"]
    await _ok(
        await th.client.post(f"/api/v1/projects/{walk}/keys", json={"name": "ci"}, headers=token)
    )
    await _ok(
        await th.client.patch(f"/api/v1/projects/{walk}", json={"retentionDays": 9}, headers=token)
    )
    await _ok(
        await th.client.patch(f"/api/v1/projects/{walk}", json={"description": "d"}, headers=token)
    )
    person = {"email": "walker@example.com", "password": "longenough", "orgId": org_id}
    await _ok(await th.client.post("/api/v1/users", json=person, headers=token))
    export = {"format": "jsonl", "filters": {"name": "refund"}, "count": 0}
    await _ok(await th.client.post("/api/v1/traces/exports", json=export, headers=th.auth))
    await log_in(th.client)
    settings = f"/ui/p/{walk}/settings"
    csrf = csrf_of((await th.client.get(settings)).text)
    role = {"email": "walker@example.com", "role": "viewer", "csrf_token": csrf}
    await _ok(await th.client.post(f"{settings}/members/role", data=role))
    body, headers = delivery("stripe", "evt_walk", "start", org_id)
    await _ok(
        await th.client.post("/api/v1/billing/webhooks/stripe", content=body, headers=headers)
    )
    await _ok(
        await th.client.post(f"{settings}/delete", data={"confirm": "walk", "csrf_token": csrf})
    )
    entries = (await _ok(await th.client.get("/api/v1/audit-logs/export", headers=token))).json()
    actions = {e["action"]: e for e in entries}
    missing = {kind: action for kind, action in LISTED.items() if action not in actions}
    assert not missing, f"not recorded: {missing}"
    assert actions["member.role"]["actor"] == f"user:{ADMIN_EMAIL}"
    assert actions["billing.plan_change"]["actor"] == "billing:stripe"
    assert actions["billing.plan_change"]["summary"]["after"]["plan"] == "pro"
    db = open_database(th.settings)
    try:
        with db.reader.connect() as conn:
            verified, broken = audit.verify(conn)
    finally:
        db.dispose()
    assert broken is None and verified >= len(entries)
