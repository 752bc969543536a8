"""The audit log over the API: what is recorded, export formats and limits, who may read it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY, Harness

pytestmark = pytest.mark.anyio


async def _entries(th: Harness, token: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await th.client.get(
        "/api/v1/audit-logs", params={"limit": 200, **params}, headers=token
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _login(th: Harness, email: str, password: str) -> dict[str, str]:
    response = await th.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_logins_and_failed_logins_are_recorded(th: Harness) -> None:
    refused = await th.client.post(
        "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": "wrong-password"},
        headers={"User-Agent": "audit-test/1", "X-Request-ID": "req-failed-1"},
    )
    assert refused.status_code == 401
    token = await th.admin_token()
    entries = await _entries(th, token)
    failed = [e for e in entries if e["action"] == "auth.login_failed"]
    assert len(failed) == 1
    assert failed[0]["target_id"] == ADMIN_EMAIL
    assert failed[0]["user_agent"] == "audit-test/1"
    assert failed[0]["request_id"] == "req-failed-1"
    assert failed[0]["address"]
    logins = [e for e in entries if e["action"] == "auth.login"]
    assert logins and logins[0]["actor"] == f"user:{ADMIN_EMAIL}"
    assert ADMIN_PASSWORD not in str(entries) and "wrong-password" not in str(entries)


async def test_keys_and_projects_are_recorded_without_secrets(th: Harness) -> None:
    token = await th.admin_token()
    created = await th.client.post(
        "/api/v1/projects", json={"name": "shop", "retention_days": 30}, headers=token
    )
    project_id = created.json()["project"]["id"]
    first_secret = created.json()["api_key"]["secret_key"]
    key = await th.client.post(
        f"/api/v1/projects/{project_id}/keys", json={"name": "ci"}, headers=token
    )
    secret = key.json()["secret_key"]
    await th.client.delete(f"/api/v1/keys/{key.json()['id']}", headers=token)
    await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"retention_days": 7}, headers=token
    )
    await th.client.patch(f"/api/v1/projects/{project_id}", json={"name": "store"}, headers=token)
    entries = await _entries(th, token, project_id=project_id)
    actions = [e["action"] for e in reversed(entries)]
    assert actions == [
        "project.create",
        "api_key.create",
        "api_key.create",
        "api_key.revoke",
        "project.retention",
        "project.update",
    ]
    retention = entries[1]["summary"]
    assert (retention["before"]["retention_days"], retention["after"]["retention_days"]) == (30, 7)
    assert all(e["actor"] == f"user:{ADMIN_EMAIL}" for e in entries)
    assert entries[-2]["summary"]["after"]["prefix"] == first_secret[:12]
    exported = await th.client.get(
        "/api/v1/audit-logs/export", params={"format": "csv"}, headers=token
    )
    for text in (exported.text, str(entries)):
        assert secret not in text and first_secret not in text and SECRET_KEY not in text


async def test_export_json_and_csv(th: Harness) -> None:
    token = await th.admin_token()
    for name in ("a", "b", "c"):
        await th.client.post("/api/v1/projects", json={"name": name}, headers=token)
    as_json = await th.client.get("/api/v1/audit-logs/export", params={"limit": 2}, headers=token)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    body = as_json.json()
    assert len(body) == 2 and body[0]["created_at"] >= body[1]["created_at"]
    as_csv = await th.client.get(
        "/api/v1/audit-logs/export", params={"format": "csv"}, headers=token
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {"project.create", "auth.login"} <= {r["action"] for r in rows}
    assert all(len(r["hash"]) == 64 for r in rows)
    future = await th.client.get(
        "/api/v1/audit-logs/export", params={"from": "2100-01-01T00:00:00Z"}, headers=token
    )
    assert future.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 10_001}, "limit"),
        ({"format": "xml"}, "format"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
    ],
)
async def test_export_bad_input_is_422(th: Harness, params: dict[str, Any], field: str) -> None:
    token = await th.admin_token()
    response = await th.client.get("/api/v1/audit-logs/export", params=params, headers=token)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["error"]["details"])
    ok = await th.client.get("/api/v1/audit-logs/export", params={"limit": 10_000}, headers=token)
    assert ok.status_code == 200


async def test_only_org_admins_read_their_own_log(th: Harness) -> None:
    token = await th.admin_token()
    org_id = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"][0]["id"]
    for email, role in (("member@example.com", "member"), ("viewer@example.com", "viewer")):
        await th.client.post(
            "/api/v1/users",
            json={"email": email, "password": "password-123", "org_id": org_id, "role": role},
            headers=token,
        )
        person = await _login(th, email, "password-123")
        for path in ("/api/v1/audit-logs", "/api/v1/audit-logs/export"):
            refused = await th.client.get(path, params={"org_id": org_id}, headers=person)
            assert refused.status_code == 403, refused.text
    added = [e for e in await _entries(th, token) if e["action"] == "member.add"]
    assert {e["target_id"] for e in added} == {"member@example.com", "viewer@example.com"}
    await th.client.post(
        "/api/v1/users",
        json={"email": "other@example.com", "password": "password-123"},
        headers=token,
    )
    other = await _login(th, "other@example.com", "password-123")
    await th.client.post("/api/v1/organizations", json={"name": "Other"}, headers=other)
    theirs = await th.client.get("/api/v1/audit-logs/export", headers=other)
    assert {e["action"] for e in theirs.json()} == {"organization.create", "audit_log.export"}
    hidden = await th.client.get("/api/v1/audit-logs", params={"org_id": org_id}, headers=other)
    assert hidden.status_code == 404
    assert (await th.client.get("/api/v1/audit-logs", headers=th.auth)).status_code == 403


async def test_profile_changes_are_recorded_without_the_password(th: Harness) -> None:
    token = await th.admin_token()
    changed = await th.client.patch(
        "/api/v1/users/me",
        json={"name": "Ada", "password": "new-password-1", "current_password": ADMIN_PASSWORD},
        headers=token,
    )
    assert changed.status_code == 200, changed.text
    entries = await _entries(th, token, action="user.update")
    assert entries[0]["summary"]["after"] == {"name": "Ada", "changed": ["name", "password"]}
    assert "new-password-1" not in str(entries)
