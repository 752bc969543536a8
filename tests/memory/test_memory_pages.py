"""The memory browser: empty state, scopes, list and search (saying how hits were found),
delete by form; a viewer sees no delete form and is refused."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.memory.conftest import remember
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_datasets import set_role
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_browse_search_and_delete(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}/memory"
    empty = await th.client.get(base)
    assert empty.status_code == 200 and 'id="no-memory"' in empty.text
    alice = await remember(th, content="Prefers <b>dark</b> mode", category="preference")
    await remember(th, content="Drinks tea", scope="user/alice/habits", metadata={"k": 1})
    await remember(th, content="Likes tea too", scope="user/bob")
    page = await th.client.get(base)
    assert 'id="memory-list"' in page.text and "Prefers &lt;b&gt;dark&lt;/b&gt; mode" in page.text
    assert "user/alice/habits" in page.text and 'id="memory-mode"' not in page.text
    scoped = await th.client.get(f"{base}?scope=user/alice")
    assert "Drinks tea" in scoped.text and "Likes tea too" not in scoped.text
    found = await th.client.get(f"{base}?q=tea&scope=user")
    assert "2 hits, keyword search" in found.text
    assert "Prefers &lt;b&gt;dark" not in found.text
    forced = await th.client.get(f"{base}?q=tea&mode=semantic")
    assert "no embedder" in forced.text
    bad = await th.client.get(f"{base}?scope=a//b")
    assert bad.status_code == 400
    deleted = await th.client.post(
        f"{base}/{alice['id']}/delete",
        data={"csrf_token": csrf_of(page.text), "back": f"{base}?scope=user/alice"},
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == f"{base}?scope=user/alice"
    gone = await th.client.get(f"/api/v1/memory/{alice['id']}", headers=th.auth)
    assert gone.status_code == 404
    elsewhere = await th.client.post(
        f"{base}/{alice['id']}/delete",
        data={"csrf_token": csrf_of(page.text), "back": "https://evil.example/"},
    )
    assert elsewhere.status_code == 404


async def test_viewers_read_but_cannot_delete(th: Harness) -> None:
    entry = await remember(th, content="Prefers dark mode")
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}/memory"
    await set_role(th, "viewer")
    page = await th.client.get(base)
    assert page.status_code == 200 and "Prefers dark mode" in page.text
    posts = re.findall(r'method="post" action="(/ui/p/[^"]*)"', page.text)
    assert posts == []
    refused = await th.client.post(
        f"{base}/{entry['id']}/delete", data={"csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 403
    assert (await th.client.get(f"/api/v1/memory/{entry['id']}", headers=th.auth)).is_success


async def test_another_project_is_not_found(th: Harness) -> None:
    other_id, _ = await th.new_project("other")
    await log_in(th.client)
    await set_role(th, "member")
    entry = await remember(th, content="main's memory")
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{other_id}/memory")
    assert page.status_code == 200 and "main&#39;s memory" not in page.text
    refused = await th.client.post(
        f"/ui/p/{other_id}/memory/{entry['id']}/delete",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 404
    assert project_id != other_id
