"""Project roles over organization roles: a viewer in a project only reads there, a member
writes, a project admin manages its keys and settings; every route of /openapi.json walked
with each role finds no write a viewer may make and no server error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.collab.conftest import member
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio

#: Routes a viewer may POST to because they only read (searches, comparisons, previews).
READS_BY_POST = {
    "/api/v1/search",
    "/api/v1/memory/search",
    "/api/v1/traces/exports",  # a viewer may export (and so announce) what it may read
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
}
#: A person's own things, whatever their role in a project.
PERSONAL = {"/api/v1/users/me", "/api/v1/notifications/read"}


async def _people(th: Harness) -> tuple[str, dict[str, dict[str, str]]]:
    """The main project, and login headers of: a viewer there (an org member), a member
    there (an org viewer), an admin there (an org member)."""
    admin = await th.admin_token()
    project = next(
        p
        for p in (await th.client.get("/api/v1/projects", headers=admin)).json()["data"]
        if p["name"] == "main"
    )
    people = {}
    for name, org_role, role in (
        ("viewer", "member", "viewer"),
        ("member", "viewer", "member"),
        ("boss", "member", "admin"),
    ):
        headers = await member(th, f"{name}@example.com", role=org_role)
        answer = await th.client.put(
            f"/api/v1/projects/{project['id']}/members/{name}@example.com",
            json={"role": role},
            headers=admin,
        )
        assert answer.status_code == 200 and answer.json()["role"] == role, answer.text
        people[name] = {**headers, "X-Project-ID": project["id"]}
    return project["id"], people


async def test_project_roles_decide_what_each_person_may_do(th: Harness) -> None:
    project_id, people = await _people(th)
    score = {"traceId": "t1", "name": "quality", "value": 1}
    await th.client.post("/api/v1/traces", json={"id": "t1", "name": "run"}, headers=th.auth)
    refused = await th.client.post("/api/v1/scores", json=score, headers=people["viewer"])
    assert refused.status_code == 403
    allowed = await th.client.post("/api/v1/scores", json=score, headers=people["member"])
    assert allowed.status_code == 201, allowed.text  # an org viewer, a member here
    assert (await th.client.get("/api/v1/traces", headers=people["viewer"])).status_code == 200
    keys = f"/api/v1/projects/{project_id}/keys"
    assert (await th.client.get(keys, headers=people["member"])).status_code == 404
    assert (await th.client.get(keys, headers=people["boss"])).status_code == 200
    renamed = await th.client.patch(
        f"/api/v1/projects/{project_id}", json={"description": "ours"}, headers=people["boss"]
    )
    assert renamed.status_code == 200
    listed = await th.client.get(f"/api/v1/projects/{project_id}/members", headers=people["boss"])
    roles = {p["email"]: (p["organization_role"], p["role"]) for p in listed.json()["data"]}
    assert roles["member@example.com"] == ("viewer", "member")
    promote = await th.client.put(
        f"/api/v1/projects/{project_id}/members/viewer@example.com",
        json={"role": "admin"},
        headers=people["member"],
    )
    assert promote.status_code == 404  # members do not hand out roles
    other, _ = await th.new_project("other")
    elsewhere = {**people["boss"], "X-Project-ID": other}
    assert (
        await th.client.get(f"/api/v1/projects/{other}/keys", headers=elsewhere)
    ).status_code == 404
    back = await th.client.put(
        f"/api/v1/projects/{project_id}/members/member@example.com",
        json={"role": None},
        headers=await th.admin_token(),
    )
    assert back.json()["role"] == "viewer"  # the organization role applies again


def _operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete") and path.startswith("/api/v1/")
    ]


async def test_every_route_with_each_role(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """On SQLite only: the walk checks the routes, not the database."""
    async for th in start(make_settings("sqlite", tmp_path, request)):
        await _walk(th)


async def _walk(th: Harness) -> None:
    _, people = await _people(th)
    spec = (await th.client.get("/openapi.json")).json()
    operations = _operations(spec)
    assert len(operations) > 150
    written: list[str] = []
    refused = 0
    for method, path in operations:
        if path.endswith("/auth/logout"):
            continue
        url = re.sub(r"\{[^}]+\}", "unknown", path)
        status = {}
        for role, headers in people.items():
            answer = await th.client.request(method, url, json={}, headers=headers)
            assert answer.status_code < 500, (role, method, path, answer.text)
            status[role] = answer.status_code
        if method == "GET" or path in READS_BY_POST | PERSONAL:
            continue
        if status["viewer"] < 300:
            written.append(f"{method} {path}")
        if status["member"] < 300:  # what a member could write, a viewer was refused
            assert status["viewer"] == 403, (method, path, status)
            refused += 1
    assert written == []
    assert refused >= 2  # routes whose empty body is valid (the others fail on input first)
