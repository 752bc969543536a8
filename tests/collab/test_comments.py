"""Comments on both databases: targets of the project only, Markdown kept safe, @mentions of
members (and only members) stored and notified, edits and deletes by the author only."""

from __future__ import annotations

import pytest
from tests.collab.conftest import ADMIN_EMAIL, member, seed_trace, token_of
from tests.conftest import ADMIN_PASSWORD, Harness

pytestmark = pytest.mark.anyio


async def test_comment_with_mention_notifies_the_member(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    body = "Looks wrong, @ann@example.com: see **plan**.\n\n<script>alert(1)</script>"
    created = await th.client.post(
        "/api/v1/comments", json={"traceId": "t-1", "body": body}, headers=admin
    )
    assert created.status_code == 201, created.text
    comment = created.json()
    assert comment["mentions"] == ["ann@example.com"]
    assert comment["author"]["email"] == ADMIN_EMAIL
    assert "<strong>plan</strong>" in comment["body_html"]
    assert "<script>" not in comment["body_html"] and "&lt;script&gt;" in comment["body_html"]
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert inbox["meta"]["unread_count"] == 1
    (note,) = inbox["data"]
    assert (note["kind"], note["target_id"], note["read"]) == ("mention", "t-1", False)
    assert f"{ADMIN_EMAIL} mentioned you" in note["summary"]
    marked = await th.client.patch("/api/v1/notifications/read", headers=ann)
    assert marked.json() == {"marked_read": 1}
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert inbox["meta"]["unread_count"] == 0 and inbox["data"][0]["read"] is True
    # The author is not notified about their own comment.
    own = (await th.client.get("/api/v1/notifications", headers=admin)).json()
    assert own["data"] == []


async def test_listing_by_trace_includes_its_observations(th: Harness) -> None:
    await seed_trace(th)
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    for target_type, target_id in (("trace", "t-1"), ("observation", "o-1"), ("session", "s-1")):
        response = await th.client.post(
            "/api/v1/comments",
            json={"targetType": target_type, "targetId": target_id, "body": f"on {target_type}"},
            headers=admin,
        )
        assert response.status_code == 201, response.text
    by_trace = await th.client.get("/api/v1/comments", params={"trace_id": "t-1"}, headers=th.auth)
    assert [c["body"] for c in by_trace.json()["data"]] == ["on trace", "on observation"]
    by_session = await th.client.get(
        "/api/v1/comments", params={"target_type": "session", "target_id": "s-1"}, headers=admin
    )
    assert [c["body"] for c in by_session.json()["data"]] == ["on session"]
    unnamed = await th.client.get("/api/v1/comments", headers=admin)
    assert unnamed.status_code == 400


async def test_comment_on_a_prompt_version(th: Harness) -> None:
    prompt = await th.client.post(
        "/api/v1/prompts", json={"name": "greet", "prompt": "Hi"}, headers=th.auth
    )
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    version_id = prompt.json()["id"]
    created = await th.client.post(
        "/api/v1/comments",
        json={"targetType": "prompt_version", "targetId": version_id, "body": "Too curt"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["trace_id"] is None


async def test_bad_targets_and_mentions_are_refused(th: Harness) -> None:
    await seed_trace(th)
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    _, other_key = await th.new_project("other")
    await seed_trace(th, {"id": "t-other", "name": "x"}, other_key)
    elsewhere = await th.client.post(
        "/api/v1/comments", json={"traceId": "t-other", "body": "hi"}, headers=admin
    )
    assert elsewhere.status_code == 404, elsewhere.text
    stranger = await th.client.post(
        "/api/v1/comments",
        json={"traceId": "t-1", "body": "cc @nobody@example.com"},
        headers=admin,
    )
    assert stranger.status_code == 422
    assert "nobody@example.com" in stranger.json()["error"]["message"]
    written = await th.client.get("/api/v1/comments", params={"trace_id": "t-1"}, headers=admin)
    assert written.json()["data"] == []  # refused: nothing written
    by_key = await th.client.post(
        "/api/v1/comments", json={"traceId": "t-1", "body": "hi"}, headers=th.auth
    )
    assert by_key.status_code == 403  # comments are written by people
    # Another project's comments are not listed from this one.
    await th.client.post("/api/v1/comments", json={"traceId": "t-1", "body": "x"}, headers=admin)
    listed = await th.client.get("/api/v1/comments", params={"trace_id": "t-1"}, headers=other_key)
    assert listed.json()["data"] == []


async def test_only_the_author_edits_or_deletes(th: Harness) -> None:
    await seed_trace(th)
    admin = await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)
    bob = await member(th, "bob@example.com")
    ann = await member(th, "ann@example.com")
    created = await th.client.post(
        "/api/v1/comments", json={"traceId": "t-1", "body": "first"}, headers=bob
    )
    comment_id = created.json()["id"]
    url = f"/api/v1/comments/{comment_id}"
    assert (await th.client.patch(url, json={"body": "no"}, headers=admin)).status_code == 403
    assert (await th.client.delete(url, headers=ann)).status_code == 403
    edited = await th.client.patch(url, json={"body": "now cc @ann@example.com"}, headers=bob)
    assert edited.status_code == 200 and edited.json()["edited"] is True
    assert edited.json()["mentions"] == ["ann@example.com"]
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert [n["kind"] for n in inbox["data"]] == ["mention"]
    assert (await th.client.delete(url, headers=bob)).status_code == 204
    listed = await th.client.get("/api/v1/comments", params={"trace_id": "t-1"}, headers=bob)
    assert listed.json()["data"] == []
