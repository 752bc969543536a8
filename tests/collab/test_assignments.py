"""Assignments and notifications on both databases: assign to a member, "assigned to me",
resolve (the assigner is notified), reassign, viewers and API keys cannot assign, and each
person sees only their own notifications, in their own projects."""

from __future__ import annotations

import httpx
import pytest
from tests.collab.conftest import ADMIN_EMAIL, member, seed_trace, token_of
from tests.conftest import ADMIN_PASSWORD, Harness

pytestmark = pytest.mark.anyio


async def assign(th: Harness, headers: dict[str, str], **fields: object) -> httpx.Response:
    payload = {"targetId": "t-1", "assignee": "ann@example.com", **fields}
    return await th.client.post("/api/v1/assignments", json=payload, headers=headers)


async def test_assign_resolve_and_reassign(th: Harness) -> None:
    await seed_trace(th)
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    ann = await member(th, "ann@example.com")
    bob = await member(th, "bob@example.com")
    created = await assign(th, admin, note="Check the refund", dueAt="2026-12-24T12:00:00Z")
    assert created.status_code == 201, created.text
    assignment = created.json()
    assert (assignment["status"], assignment["note"]) == ("open", "Check the refund")
    assert assignment["due_at"].startswith("2026-12-24T12:00:00")
    mine = (await th.client.get("/api/v1/assignments", headers=ann)).json()["data"]
    assert [a["id"] for a in mine] == [assignment["id"]]
    assert (await th.client.get("/api/v1/assignments", headers=bob)).json()["data"] == []
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert [n["kind"] for n in inbox["data"]] == ["assignment"]
    url = f"/api/v1/assignments/{assignment['id']}"
    resolved = await th.client.patch(url, json={"status": "resolved"}, headers=ann)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    admin_inbox = (await th.client.get("/api/v1/notifications", headers=admin)).json()
    assert [n["kind"] for n in admin_inbox["data"]] == ["resolved"]
    open_only = await th.client.get("/api/v1/assignments", params={"status": "open"}, headers=ann)
    assert open_only.json()["data"] == []
    reassigned = await th.client.patch(
        url, json={"assignee": "bob@example.com", "status": "open"}, headers=admin
    )
    assert reassigned.status_code == 200, reassigned.text
    assert [
        a["id"] for a in (await th.client.get("/api/v1/assignments", headers=bob)).json()["data"]
    ] == [assignment["id"]]
    bob_inbox = (await th.client.get("/api/v1/notifications", headers=bob)).json()
    assert bob_inbox["meta"]["unread_count"] == 1


async def test_who_may_assign_and_what(th: Harness) -> None:
    await seed_trace(th)
    await member(th, "ann@example.com")
    viewer = await member(th, "vic@example.com", role="viewer")
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert (await assign(th, viewer)).status_code == 403
    # A viewer given an assignment may resolve it, and change nothing else.
    given = (await assign(th, admin, assignee="vic@example.com")).json()
    url = f"/api/v1/assignments/{given['id']}"
    renote = await th.client.patch(url, json={"note": "mine now"}, headers=viewer)
    assert renote.status_code == 403
    resolved = await th.client.patch(url, json={"status": "resolved"}, headers=viewer)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert (await assign(th, th.auth)).status_code == 403
    nobody = await assign(th, admin, assignee="nobody@example.com")
    assert nobody.status_code == 422
    missing = await assign(th, admin, targetId="t-none")
    assert missing.status_code == 404
    session = await assign(th, admin, targetType="session", targetId="s-1")
    assert session.status_code == 201
    # A member of another organization is not a member of this project.
    await th.client.post(
        "/api/v1/organizations", json={"name": "Solo"}, headers=await th.admin_token()
    )
    await member(th, "sol@example.com", org="Solo")
    outsider = await assign(th, admin, assignee="sol@example.com")
    assert outsider.status_code == 422, outsider.text
    assert (await th.client.get("/api/v1/notifications", headers=th.auth)).status_code == 403


async def test_notifications_stay_in_their_project(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    await assign(th, admin)
    await th.new_project("other")
    ann_other = {
        **ann,
        "X-Project-ID": (await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD, "other"))["X-Project-ID"],
    }
    inbox = (await th.client.get("/api/v1/notifications", headers=ann_other)).json()
    assert inbox["data"] == [] and inbox["meta"]["unread_count"] == 0
    assert (await th.client.get("/api/v1/assignments", headers=ann_other)).json()["data"] == []
