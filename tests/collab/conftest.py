"""Helpers for the collaboration tests: people of the organization, each with a login token
acting on the main project, and a trace to talk about."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADMIN_EMAIL, Harness

TRACE = {
    "id": "t-1",
    "name": "refund agent",
    "sessionId": "s-1",
    "observations": [{"id": "o-1", "type": "span", "name": "plan"}],
}
__all__ = ["ADMIN_EMAIL", "TRACE", "member", "seed_trace", "token_of"]


async def token_of(th: Harness, email: str, password: str, project: str = "main") -> dict[str, str]:
    login = await th.client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    admin = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=admin)).json()["data"]
    project_id = next(p["id"] for p in projects if p["name"] == project)
    return {**token, "X-Project-ID": project_id}


async def member(th: Harness, email: str, role: str = "member", org: str = "Acme") -> Any:
    """A new person in an organization; their headers for the main project."""
    admin = await th.admin_token()
    orgs = (await th.client.get("/api/v1/organizations", headers=admin)).json()["data"]
    org_id = next(o["id"] for o in orgs if o["name"] == org)
    body = {"email": email, "password": "longenough", "orgId": org_id, "role": role}
    created = await th.client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return await token_of(th, email, "longenough")


async def seed_trace(th: Harness, trace: dict[str, Any] = TRACE, auth: Any = None) -> None:
    response = await th.client.post("/api/v1/traces", json=trace, headers=auth or th.auth)
    assert response.status_code in (200, 201, 202, 207), response.text
