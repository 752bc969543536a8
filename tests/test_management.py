"""Management API: login, organizations, projects, keys (secret once, hash only), users."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from tests.conftest import ADMIN_EMAIL, SECRET_KEY, Harness

from tracehouse.keys.secrets import hash_secret
from tracehouse.store.tables import api_keys

pytestmark = pytest.mark.anyio


async def test_login_rejects_wrong_password(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong"}
    )
    assert response.status_code == 401


async def test_management_needs_token_or_admin_key(th: Harness) -> None:
    response = await th.client.get("/api/v1/projects", headers=th.auth)
    assert response.status_code == 403
    assert (await th.client.get("/api/v1/projects")).status_code == 401


async def test_create_project_returns_key_once(th: Harness) -> None:
    token = await th.admin_token()
    response = await th.client.post(
        "/api/v1/projects", json={"name": "shop", "retentionDays": 30, "plan": "pro"}, headers=token
    )
    assert response.status_code == 201
    body = response.json()
    assert body["project"]["retention_days"] == 30
    assert body["project"]["plan"] == "pro"
    secret = body["api_key"]["secret_key"]
    assert secret.startswith("sk-th-live-")
    listed = (
        await th.client.get(f"/api/v1/projects/{body['project']['id']}/keys", headers=token)
    ).json()
    assert len(listed["data"]) == 1
    key = listed["data"][0]
    assert "secret_key" not in key
    assert secret not in str(listed)
    assert key["prefix"] == secret[:12]
    assert key["environment"] == "live"
    assert key["last_used_at"] is None
    # using it sets last_used_at
    await th.client.get("/api/v1/traces", headers={"Authorization": f"Bearer {secret}"})
    listed = (
        await th.client.get(f"/api/v1/projects/{body['project']['id']}/keys", headers=token)
    ).json()
    assert listed["data"][0]["last_used_at"] is not None
    duplicate = await th.client.post("/api/v1/projects", json={"name": "shop"}, headers=token)
    assert duplicate.status_code == 409


async def test_secrets_stored_only_as_hashes(th: Harness) -> None:
    engine = create_engine(th.settings.resolved_database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(api_keys)).mappings().all()
    engine.dispose()
    assert rows
    for row in rows:
        assert SECRET_KEY not in str(dict(row))
    assert any(row["secret_hash"] == hash_secret(SECRET_KEY) for row in rows)


async def test_test_key_and_key_environment(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    created = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys",
        json={"environment": "test", "name": "ci"},
        headers=token,
    )
    assert created.status_code == 201
    assert created.json()["environment"] == "test"
    assert created.json()["secret_key"].startswith("sk-th-test-")
    bad = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "staging"}, headers=token
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "environment"


async def test_update_project_retention(th: Harness) -> None:
    project_id, _ = await th.new_project("retained")
    token = await th.admin_token()
    response = await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"retentionDays": 7}, headers=token
    )
    assert response.status_code == 200
    assert response.json()["retention_days"] == 7
    bad = await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"retentionDays": 0}, headers=token
    )
    assert bad.status_code == 422


async def test_member_user_sees_only_own_org(th: Harness) -> None:
    token = await th.admin_token()
    other = (
        await th.client.post("/api/v1/organizations", json={"name": "Solo"}, headers=token)
    ).json()
    created = await th.client.post(
        "/api/v1/users",
        json={
            "email": "ann@example.com",
            "password": "longenough",
            "orgId": other["id"],
            "role": "admin",
        },
        headers=token,
    )
    assert created.status_code == 201, created.text
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": "longenough"}
    )
    ann = {"Authorization": f"Bearer {login.json()['token']}"}
    orgs = (await th.client.get("/api/v1/organizations", headers=ann)).json()["data"]
    assert [o["name"] for o in orgs] == ["Solo"]
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    assert (await th.client.get(f"/api/v1/projects/{main['id']}", headers=ann)).status_code == 404
    made = await th.client.post("/api/v1/projects", json={"name": "anns"}, headers=ann)
    assert made.status_code == 201
    assert made.json()["project"]["org_id"] == other["id"]
    await th.client.post("/api/v1/auth/logout", headers=ann)
    assert (await th.client.get("/api/v1/projects", headers=ann)).status_code == 401


async def test_org_admin_key_manages_its_org(th: Harness) -> None:
    token = await th.admin_token()
    orgs = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"]
    created = await th.client.post(
        f"/api/v1/organizations/{orgs[0]['id']}/keys", json={"access": "admin"}, headers=token
    )
    admin_key = {"X-API-Key": created.json()["secret_key"]}
    made = await th.client.post("/api/v1/projects", json={"name": "by-key"}, headers=admin_key)
    assert made.status_code == 201, made.text
    listed = (await th.client.get("/api/v1/projects", headers=admin_key)).json()["data"]
    assert {"main", "by-key"} <= {p["name"] for p in listed}
