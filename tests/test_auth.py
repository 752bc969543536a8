"""Authentication and tenant isolation: every way to present a key, and every data endpoint
refusing another project's resources."""

from __future__ import annotations

import base64

import pytest
from tests.conftest import PUBLIC_KEY, SECRET_KEY, Harness

pytestmark = pytest.mark.anyio

TRACE = {"id": "t-a", "name": "a", "observations": [{"id": "o-a", "type": "span"}]}


async def test_three_ways_to_send_the_key(th: Harness) -> None:
    basic = base64.b64encode(f"{PUBLIC_KEY}:{SECRET_KEY}".encode()).decode()
    for headers in (
        {"Authorization": f"Bearer {SECRET_KEY}"},
        {"X-API-Key": SECRET_KEY},
        {"Authorization": f"Basic {basic}"},
    ):
        response = await th.client.get("/api/v1/traces", headers=headers)
        assert response.status_code == 200, (headers, response.text)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sk-th-wrong"},
        {"X-API-Key": "nope"},
        {"Authorization": "Basic " + base64.b64encode(b"pk-other:" + SECRET_KEY.encode()).decode()},
        {"Authorization": "Basic !!!notbase64"},
    ],
)
async def test_bad_credentials_are_401(th: Harness, headers: dict[str, str]) -> None:
    response = await th.client.get("/api/v1/traces", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_revoked_key_stops_at_once(th: Harness) -> None:
    project_id, auth = await th.new_project("revoke-me")
    assert (await th.client.get("/api/v1/traces", headers=auth)).status_code == 200
    token = await th.admin_token()
    keys = (await th.client.get(f"/api/v1/projects/{project_id}/keys", headers=token)).json()
    key_id = keys["data"][0]["id"]
    revoked = await th.client.delete(f"/api/v1/keys/{key_id}", headers=token)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert (await th.client.get("/api/v1/traces", headers=auth)).status_code == 401


async def test_read_only_key_cannot_write(th: Harness) -> None:
    project_id, _ = await th.new_project("ro")
    token = await th.admin_token()
    created = await th.client.post(
        f"/api/v1/projects/{project_id}/keys", json={"access": "read"}, headers=token
    )
    ro = {"X-API-Key": created.json()["secret_key"]}
    assert (await th.client.get("/api/v1/traces", headers=ro)).status_code == 200
    for method, path, body in [
        ("POST", "/api/v1/traces", TRACE),
        ("POST", "/api/v1/observations", {"traceId": "x", "id": "y"}),
        ("POST", "/api/v1/scores", {"traceId": "x", "name": "n", "value": 1}),
        ("POST", "/api/v1/models", {"modelName": "m", "inputPrice": 1}),
    ]:
        response = await th.client.request(method, path, json=body, headers=ro)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "forbidden"


async def test_tenant_isolation_on_every_endpoint(th: Harness) -> None:
    """Project B's key sees nothing of project A and cannot touch it: 404, never 403."""
    a = th.auth
    await th.client.post("/api/v1/traces", json={**TRACE, "sessionId": "sess-a"}, headers=a)
    score = await th.client.post(
        "/api/v1/scores", json={"traceId": "t-a", "name": "q", "value": 1}, headers=a
    )
    price = await th.client.post(
        "/api/v1/models", json={"modelName": "m-a", "inputPrice": 1}, headers=a
    )
    price_id = price.json()["id"]
    assert score.status_code == 201
    _, b = await th.new_project("tenant-b")

    for path in (
        "/api/v1/traces/t-a",
        "/api/v1/traces/t-a/feedback",
        "/api/v1/observations/o-a",
        "/api/v1/sessions/sess-a",
        f"/api/v1/models/{price_id}",
    ):
        response = await th.client.get(path, headers=b)
        assert response.status_code == 404, (path, response.text)
    for path in (
        "/api/v1/traces",
        "/api/v1/observations",
        "/api/v1/sessions",
        "/api/v1/scores",
        "/api/v1/models",
    ):
        body = (await th.client.get(path, headers=b)).json()
        assert body["data"] == [], path
    assert (await th.client.delete("/api/v1/traces/t-a", headers=b)).status_code == 404
    assert (await th.client.delete(f"/api/v1/models/{price_id}", headers=b)).status_code == 404
    assert (
        await th.client.post("/api/v1/traces/t-a/feedback", json={"value": 1}, headers=b)
    ).status_code == 404
    assert (
        await th.client.patch("/api/v1/observations/o-a", json={"name": "stolen"}, headers=b)
    ).status_code == 404
    # B writing the same ids creates B's own rows; A's are untouched
    await th.client.post("/api/v1/traces", json={**TRACE, "name": "b-copy"}, headers=b)
    mine = (await th.client.get("/api/v1/traces/t-a", headers=a)).json()
    assert mine["name"] == "a"
    theirs = (await th.client.get("/api/v1/traces/t-a", headers=b)).json()
    assert theirs["name"] == "b-copy"


async def test_org_key_with_project_name_auto_creates(th: Harness) -> None:
    token = await th.admin_token()
    orgs = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"]
    org_id = orgs[0]["id"]
    created = await th.client.post(f"/api/v1/organizations/{org_id}/keys", json={}, headers=token)
    assert created.status_code == 201, created.text
    org_key = created.json()["secret_key"]
    assert created.json()["scope"] == "organization"

    missing = await th.client.get("/api/v1/traces", headers={"X-API-Key": org_key})
    assert missing.status_code == 401
    headers = {"X-API-Key": org_key, "X-Project-Name": "auto-made"}
    assert (await th.client.post("/api/v1/traces", json=TRACE, headers=headers)).status_code == 201
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    auto = next(p for p in projects if p["name"] == "auto-made")
    by_id = {"X-API-Key": org_key, "X-Project-ID": auto["id"]}
    listing = (await th.client.get("/api/v1/traces", headers=by_id)).json()
    assert [t["id"] for t in listing["data"]] == ["t-a"]
    # the main project does not see it
    assert (await th.client.get("/api/v1/traces", headers=th.auth)).json()["data"] == []


async def test_a_read_naming_an_unknown_project_does_not_create_it(th: Harness) -> None:
    token = await th.admin_token()
    org_id = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"][0]["id"]
    created = await th.client.post(f"/api/v1/organizations/{org_id}/keys", json={}, headers=token)
    headers = {"X-API-Key": created.json()["secret_key"], "X-Project-Name": "typo-project"}
    for path in ("/api/v1/traces", "/api/public/traces", "/api/v1/traces/t-a"):
        response = await th.client.get(path, headers=headers)
        assert response.status_code == 404, response.text
        assert "typo-project" in response.json()["error"]["message"]
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    assert "typo-project" not in {p["name"] for p in projects}
    assert (await th.client.post("/api/v1/traces", json=TRACE, headers=headers)).status_code == 201
    listed = await th.client.get("/api/v1/traces", headers=headers)
    assert [t["id"] for t in listed.json()["data"]] == ["t-a"]


async def test_org_key_cannot_reach_other_org(th: Harness) -> None:
    token = await th.admin_token()
    other = await th.client.post("/api/v1/organizations", json={"name": "Other"}, headers=token)
    other_id = other.json()["id"]
    project = await th.client.post(
        "/api/v1/projects", json={"name": "secret", "orgId": other_id}, headers=token
    )
    other_project = project.json()["project"]["id"]
    orgs = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"]
    acme = next(o for o in orgs if o["name"] == "Acme")["id"]
    org_key = (
        await th.client.post(f"/api/v1/organizations/{acme}/keys", json={}, headers=token)
    ).json()["secret_key"]
    response = await th.client.get(
        "/api/v1/traces", headers={"X-API-Key": org_key, "X-Project-ID": other_project}
    )
    assert response.status_code == 404


async def test_login_token_with_project_id(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    await th.client.post("/api/v1/traces", json=TRACE, headers=th.auth)
    listing = await th.client.get("/api/v1/traces", headers={**token, "X-Project-ID": main["id"]})
    assert [t["id"] for t in listing.json()["data"]] == ["t-a"]
