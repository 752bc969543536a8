"""The skills API on both databases: versions kept and readable, labels that move, diffs,
`scope` and `tags` filters, organization skills seen by every project, project scoping."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness

pytestmark = pytest.mark.anyio

BODY = "# Refunds\n\nAsk for the order number.\nCheck the policy.\n"


async def create(th: Harness, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    payload = {"name": "refunds", "body": BODY, "tags": ["support"], **fields}
    response = await th.client.post("/api/v1/skills", json=payload, headers=headers or th.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def token_for(th: Harness, project_name: str = "main") -> dict[str, str]:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    project = next(p for p in projects if p["name"] == project_name)
    return {**token, "X-Project-ID": project["id"]}


async def test_patch_makes_immutable_versions_and_keeps_history(th: Harness) -> None:
    skill = await create(th, description="How to refund", metadata={"owner": "ops"})
    assert (skill["version"], skill["labels"], skill["scope"]) == (1, ["latest"], "project")
    url = f"/api/v1/skills/{skill['id']}"
    second = await th.client.patch(
        url,
        json={"body": BODY + "Never refund twice.\n", "commitMessage": "twice"},
        headers=th.auth,
    )
    assert second.status_code == 200, second.text
    v2 = second.json()
    assert (v2["version"], v2["labels"], v2["commit_message"]) == (2, ["latest"], "twice")
    # Fields left out are carried over from the newest version.
    assert v2["description"] == "How to refund" and v2["metadata"] == {"owner": "ops"}
    first = (await th.client.get(url, params={"version": 1}, headers=th.auth)).json()
    assert first["body"] == BODY and first["labels"] == []
    versions = (await th.client.get(f"{url}/versions", headers=th.auth)).json()["data"]
    assert [v["version"] for v in versions] == [2, 1]
    missing = await th.client.get(url, params={"version": 9}, headers=th.auth)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_production_label_moves_and_is_served_by_default(th: Harness) -> None:
    skill = await create(th, labels=["production"])
    url = f"/api/v1/skills/{skill['id']}"
    await th.client.patch(url, json={"body": "v2"}, headers=th.auth)
    default = (await th.client.get(url, headers=th.auth)).json()
    assert (default["version"], default["labels"]) == (1, ["production"])
    moved = await th.client.put(f"{url}/labels/production", json={"version": 2}, headers=th.auth)
    assert moved.status_code == 200 and moved.json()["labels"] == ["latest", "production"]
    assert (await th.client.get(url, headers=th.auth)).json()["body"] == "v2"
    by_label = await th.client.get(url, params={"label": "production"}, headers=th.auth)
    assert by_label.json()["version"] == 2
    latest = await th.client.put(f"{url}/labels/latest", json={"version": 1}, headers=th.auth)
    assert latest.status_code == 400
    removed = await th.client.delete(f"{url}/labels/production", headers=th.auth)
    assert removed.status_code == 204
    gone = await th.client.get(url, params={"label": "production"}, headers=th.auth)
    assert gone.status_code == 404
    assert (await th.client.get(url, headers=th.auth)).json()["version"] == 2  # latest


async def test_diff_of_two_versions(th: Harness) -> None:
    skill = await create(th, files={"policy.md": "30 days"})
    url = f"/api/v1/skills/{skill['id']}"
    patch = {"body": BODY.replace("Check the policy.", "Read the policy."), "files": {}}
    await th.client.patch(url, json=patch, headers=th.auth)
    diff = await th.client.get(f"{url}/diff", params={"from": 1, "to": 2}, headers=th.auth)
    assert diff.status_code == 200 and diff.headers["content-type"].startswith("text/x-diff")
    lines = diff.text.splitlines()
    assert lines[:2] == ["--- refunds@v1", "+++ refunds@v2"]
    assert "-Check the policy." in lines and "+Read the policy." in lines
    assert "-30 days" in lines and " Ask for the order number." in lines
    bad = await th.client.get(f"{url}/diff", params={"from": 1, "to": 7}, headers=th.auth)
    assert bad.status_code == 404


async def test_list_filters_by_scope_and_tags(th: Harness) -> None:
    token = await token_for(th)
    await create(th, name="refunds", tags=["support", "billing"])
    await create(th, name="triage", tags=["support"])
    await create(th, token, name="tone", tags=["style"], scope="organization")

    async def names(**params: Any) -> list[str]:
        response = await th.client.get("/api/v1/skills", params=params, headers=th.auth)
        assert response.status_code == 200, response.text
        return sorted(s["name"] for s in response.json()["data"])

    assert await names() == ["refunds", "tone", "triage"]
    assert await names(scope="organization") == ["tone"]
    assert await names(scope="project") == ["refunds", "triage"]
    assert await names(tags="support") == ["refunds", "triage"]
    assert await names(tags="support,billing") == ["refunds"]
    page = (await th.client.get("/api/v1/skills", params={"limit": 2}, headers=th.auth)).json()
    assert page["meta"]["total_count"] == 3 and page["meta"]["has_more"] is True


async def test_project_skills_stay_in_their_project(th: Harness) -> None:
    mine = await create(th)
    _, other = await th.new_project("other")
    assert (await th.client.get(f"/api/v1/skills/{mine['id']}", headers=other)).status_code == 404
    patch = await th.client.patch(f"/api/v1/skills/{mine['id']}", json={"body": "x"}, headers=other)
    assert patch.status_code == 404
    assert (
        await th.client.delete(f"/api/v1/skills/{mine['id']}", headers=other)
    ).status_code == 404
    assert (await th.client.get("/api/v1/skills", headers=other)).json()["data"] == []
    # The same name in another project is another skill.
    theirs = await create(th, other)
    assert theirs["id"] != mine["id"]
    again = await th.client.post(
        "/api/v1/skills", json={"name": "refunds", "body": "x"}, headers=th.auth
    )
    assert again.status_code == 409


async def test_organization_skills_need_more_than_a_project_key(th: Harness) -> None:
    refused = await th.client.post(
        "/api/v1/skills",
        json={"name": "tone", "body": "Be kind.", "scope": "organization"},
        headers=th.auth,
    )
    assert refused.status_code == 403, refused.text
    shared = await create(th, await token_for(th), name="tone", scope="organization")
    _, other = await th.new_project("other")
    seen = await th.client.get(f"/api/v1/skills/{shared['id']}", headers=other)
    assert seen.status_code == 200 and seen.json()["scope"] == "organization"
    by_name = await th.client.get("/api/v1/skills/by-name/tone", headers=other)
    assert by_name.json()["id"] == shared["id"]
    patch = await th.client.patch(
        f"/api/v1/skills/{shared['id']}", json={"body": "x"}, headers=other
    )
    assert patch.status_code == 403
    # A project skill of the same name wins over the organization's.
    own = await create(th, other, name="tone", body="Be brief.")
    by_name = await th.client.get("/api/v1/skills/by-name/tone", headers=other)
    assert by_name.json()["id"] == own["id"]


async def test_delete_removes_every_version(th: Harness) -> None:
    skill = await create(th)
    url = f"/api/v1/skills/{skill['id']}"
    await th.client.patch(url, json={"body": "v2"}, headers=th.auth)
    assert (await th.client.delete(url, headers=th.auth)).status_code == 204
    assert (await th.client.get(url, params={"version": 1}, headers=th.auth)).status_code == 404
    assert (await th.client.get("/api/v1/skills", headers=th.auth)).json()["data"] == []


async def test_bad_input_is_refused_with_field_details(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/skills", json={"name": "has space", "body": "x"}, headers=th.auth
    )
    assert response.status_code == 422
    assert "name" in str(response.json()["error"]["details"])
    skill = await create(th)
    bad_label = await th.client.patch(
        f"/api/v1/skills/{skill['id']}", json={"labels": ["no way"]}, headers=th.auth
    )
    assert bad_label.status_code == 422
