"""The trace page shows the trace's comments (Markdown rendered, raw HTML escaped) and a form
that adds one, with its @mentions."""

from __future__ import annotations

import html
import json
import re

import pytest
from tests.collab.conftest import member, seed_trace
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_trace_page_lists_and_adds_comments(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    await log_in(th.client)
    project_id = await _project_id(th)
    href = f"/ui/p/{project_id}/traces/t-1"
    page = await th.client.get(href)
    assert page.status_code == 200 and 'id="comments"' in page.text
    posted = await th.client.post(
        f"{href}/comments",
        data={
            "csrf_token": csrf_of(page.text),
            "body": "**Wrong** tool, @ann@example.com <img src=x onerror=alert(1)>",
        },
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].endswith("#comments"), posted.headers["location"]
    page = await th.client.get(href)
    listed = await th.client.get("/api/v1/comments", params={"trace_id": "t-1"}, headers=th.auth)
    assert listed.json()["data"], listed.text
    section = page.text[page.text.index('id="comments"') :]
    assert "<strong>Wrong</strong> tool" in page.text, section[:1500]
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert inbox["meta"]["unread_count"] == 1
    refused = await th.client.post(
        f"{href}/comments",
        data={"csrf_token": csrf_of(page.text), "body": "cc @nobody@example.com"},
    )
    assert refused.status_code == 422
    assigned = await th.client.post(
        f"{href}/assign",
        data={"csrf_token": csrf_of(page.text), "assignee": "ann@example.com", "note": "look"},
    )
    assert assigned.status_code == 303, assigned.text
    mine = (await th.client.get("/api/v1/assignments", headers=ann)).json()["data"]
    assert [(a["target_id"], a["note"]) for a in mine] == [("t-1", "look")]


async def test_inbox_shows_notifications_and_resolves_assignments(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    # Ann assigns the trace to the admin, who then works from the inbox page.
    await th.client.post(
        "/api/v1/assignments",
        json={"targetId": "t-1", "assignee": "admin@example.com", "note": "Refund <b>loop</b>"},
        headers=ann,
    )
    await log_in(th.client)
    href = f"/ui/p/{await _project_id(th)}/inbox"
    page = await th.client.get(href)
    assert page.status_code == 200 and "1 unread" in page.text
    assert "ann@example.com assigned you a trace" in page.text
    assert "Refund &lt;b&gt;loop&lt;/b&gt;" in page.text
    match = re.search(r'action="([^"]+/resolve)"', page.text)
    assert match, "no Resolve form"
    resolve = match.group(1)
    done = await th.client.post(resolve, data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert [n["kind"] for n in inbox["data"]] == ["resolved"]
    read = await th.client.post(f"{href}/read", data={"csrf_token": csrf_of(page.text)})
    assert read.status_code == 303
    page = await th.client.get(href)
    assert "0 unread" in page.text and "Nothing open." in page.text


async def test_comment_box_lists_only_this_organizations_members(th: Harness) -> None:
    """The comment box carries the people `@` can mention (for the autocomplete): the project's
    organization's members with e-mail and name, never another organization's."""
    await seed_trace(th)
    await member(th, "mia@example.com")
    admin = await th.admin_token()
    await th.client.post("/api/v1/organizations", json={"name": "Solo"}, headers=admin)
    await member(th, "sol@example.com", org="Solo")
    await log_in(th.client)
    page = await th.client.get(f"/ui/p/{await _project_id(th)}/traces/t-1")
    found = re.search(r"data-mentions='([^']*)'", page.text)
    assert found, "the comment box has no member list"
    people = json.loads(html.unescape(found.group(1)))
    assert [p["email"] for p in people] == ["admin@example.com", "mia@example.com"]
    assert all(set(p) == {"email", "name"} for p in people), people
    assert "sol@example.com" not in page.text
