"""The management API's forms from the seeds: `X-Organization-ID` (seed 003), a project
`description` and the query-parameter form of project creation (seed 004), `/openapi.yaml`
(seed 001)."""

from __future__ import annotations

import pytest
import yaml
from tests.conftest import Harness

pytestmark = pytest.mark.anyio


async def _org(th: Harness, name: str, token: dict[str, str]) -> str:
    response = await th.client.post("/api/v1/organizations", json={"name": name}, headers=token)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_x_organization_id_selects_the_organization(th: Harness) -> None:
    token = await th.admin_token()
    other = await _org(th, "Other", token)
    header = {**token, "X-Organization-ID": other}
    made = await th.client.post("/api/v1/projects", json={"name": "there"}, headers=header)
    assert made.status_code == 201, made.text
    assert made.json()["project"]["org_id"] == other
    plain = await th.client.post("/api/v1/projects", json={"name": "here"}, headers=token)
    assert plain.json()["project"]["org_id"] != other  # the first organization
    listed = (await th.client.get("/api/v1/projects", headers=header)).json()["data"]
    assert [p["name"] for p in listed] == ["there"]
    everything = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    assert {"there", "here", "main"} <= {p["name"] for p in everything}
    unknown = {**token, "X-Organization-ID": "nope"}
    assert (await th.client.get("/api/v1/projects", headers=unknown)).status_code == 404


async def test_x_organization_id_of_someone_elses_organization_is_not_found(th: Harness) -> None:
    token = await th.admin_token()
    private = await _org(th, "Private", token)
    user = {"email": "bo@example.com", "password": "longenough"}
    assert (await th.client.post("/api/v1/users", json=user, headers=token)).status_code == 201
    login = await th.client.post("/api/v1/auth/login", json=user)
    bo = {"Authorization": f"Bearer {login.json()['token']}", "X-Organization-ID": private}
    assert (await th.client.get("/api/v1/projects", headers=bo)).status_code == 404
    made = await th.client.post("/api/v1/projects", json={"name": "sneaky"}, headers=bo)
    assert made.status_code == 404


async def test_project_description_and_query_form(th: Harness) -> None:
    token = await th.admin_token()
    made = await th.client.post(
        "/api/v1/projects",
        params={"name": "my-project", "environment": "production", "description": "My project"},
        headers=token,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["project"]["name"] == "my-project"
    assert body["project"]["description"] == "My project"
    assert body["api_key"]["environment"] == "live" and body["api_key"]["secret_key"]
    project_id = body["project"]["id"]
    patched = await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"description": "Shop"}, headers=token
    )
    assert patched.json()["description"] == "Shop"
    got = (await th.client.get(f"/api/v1/projects/{project_id}", headers=token)).json()
    assert got["description"] == "Shop"
    in_body = await th.client.post(
        "/api/v1/projects", json={"name": "b", "description": "In a body"}, headers=token
    )
    assert in_body.json()["project"]["description"] == "In a body"
    missing = await th.client.post("/api/v1/projects", headers=token)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "name"
    bad = await th.client.post(
        "/api/v1/projects", params={"name": "x", "environment": "staging"}, headers=token
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "environment"


async def test_openapi_yaml_is_the_json_document(th: Harness) -> None:
    as_json = (await th.client.get("/openapi.json")).json()
    response = await th.client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text) == as_json
    assert "/api/v1/users/me" in as_json["paths"]
