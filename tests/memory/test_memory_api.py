"""The memory API on both databases: CRUD, one entry per content (or key) in a scope, time to
live, scope prefix match, filters, project isolation and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import Harness
from tests.memory.conftest import remember, search

from tracehouse.store.engine import open_database
from tracehouse.store.tables import memories

pytestmark = pytest.mark.anyio


def count_rows(th: Harness) -> int:
    db = open_database(th.settings)
    try:
        with db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(memories)).scalar_one())
    finally:
        db.dispose()


async def test_crud(th: Harness) -> None:
    made = await th.client.post(
        "/api/v1/memory",
        json={
            "content": "Prefers answers in French",
            "scope": ["user", "alice"],
            "category": "preference",
            "metadata": {"source": "chat"},
            "importance": 0.8,
        },
        headers=th.auth,
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["scope"] == "user/alice" and entry["namespace"] == ["user", "alice"]
    assert entry["metadata"] == {"source": "chat"} and entry["expires_at"] is None
    assert entry["is_test"] is False
    path = f"/api/v1/memory/{entry['id']}"
    assert (await th.client.get(path, headers=th.auth)).json() == entry
    patched = await th.client.patch(
        path, json={"content": "Prefers answers in German", "ttl": 3600}, headers=th.auth
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["content"] == "Prefers answers in German"
    assert patched.json()["category"] == "preference" and patched.json()["expires_at"]
    permanent = await th.client.patch(path, json={"ttl": None}, headers=th.auth)
    assert permanent.json()["expires_at"] is None
    listed = (await th.client.get("/api/v1/memory", headers=th.auth)).json()
    assert [e["id"] for e in listed["data"]] == [entry["id"]]
    assert listed["meta"]["total_count"] == 1
    assert (await th.client.delete(path, headers=th.auth)).status_code == 204
    assert (await th.client.get(path, headers=th.auth)).status_code == 404
    assert (await th.client.delete(path, headers=th.auth)).status_code == 404
    assert count_rows(th) == 0


async def test_same_content_in_a_scope_updates_instead_of_duplicating(th: Harness) -> None:
    first = await th.client.post(
        "/api/v1/memory",
        json={"content": "Likes espresso", "scope": "user/alice", "metadata": {"n": 1}},
        headers=th.auth,
    )
    again = await th.client.post(
        "/api/v1/memory",
        json={"content": "Likes espresso ", "scope": "/user/alice/", "metadata": {"n": 2}},
        headers=th.auth,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["metadata"] == {"n": 2}
    elsewhere = await remember(th, content="Likes espresso", scope="user/bob")
    assert elsewhere["id"] != first.json()["id"]
    keyed = await remember(th, content="v1", key="theme")
    rekeyed = await remember(th, content="v2", key="theme")
    assert rekeyed["id"] == keyed["id"] and rekeyed["content"] == "v2"
    assert count_rows(th) == 3
    clash = await th.client.patch(
        f"/api/v1/memory/{elsewhere['id']}", json={"content": "x"}, headers=th.auth
    )
    assert clash.status_code == 200
    await remember(th, content="y", scope="user/bob")
    conflict = await th.client.patch(
        f"/api/v1/memory/{elsewhere['id']}", json={"content": "y"}, headers=th.auth
    )
    assert conflict.status_code == 409


async def test_expired_entries_disappear_and_are_purged(th: Harness) -> None:
    from tracehouse.jobs.retention import purge

    short = await remember(th, content="Is travelling this week", ttl=0.05)
    kept = await remember(th, content="Is vegetarian", ttl=3600)
    await asyncio.sleep(0.2)
    assert (
        await th.client.get(f"/api/v1/memory/{short['id']}", headers=th.auth)
    ).status_code == 404
    listed = (await th.client.get("/api/v1/memory", headers=th.auth)).json()
    assert [e["id"] for e in listed["data"]] == [kept["id"]]
    assert (await search(th, query="travelling"))["data"] == []
    revived = await th.client.patch(
        f"/api/v1/memory/{short['id']}", json={"ttl": None}, headers=th.auth
    )
    assert revived.status_code == 404
    db = open_database(th.settings)
    try:
        assert purge(db.writer, test_data_days=5).memories == 1
    finally:
        db.dispose()
    assert count_rows(th) == 1


async def test_scope_prefix_and_filters(th: Harness) -> None:
    await remember(th, content="alice likes tea", scope="user/alice", category="preference")
    await remember(th, content="alice prefs tea", scope="user/alice/prefs", metadata={"lang": "en"})
    await remember(th, content="alicex drinks tea", scope="user/alicex")
    await remember(th, content="alice-x drinks tea", scope="user/alice-x")
    await remember(th, content="alice.x drinks tea", scope="user/alice.x")
    await remember(th, content="alice unicode tea", scope="user/alice/é")
    await remember(
        th, content="bob drinks tea", scope="user/bob", metadata={"lang": "fr", "n": 2, "ok": True}
    )
    await remember(th, content="100% tea_time", scope="user/a_c%")
    hits = await search(th, query="tea", scope="user/alice")
    assert sorted(h["scope"] for h in hits["data"]) == [
        "user/alice",
        "user/alice/prefs",
        "user/alice/é",
    ]
    assert hits["mode"] == "keyword" and hits["embedder"] is None and hits["note"] is None
    listed = (await th.client.get("/api/v1/memory?scope=user/alice", headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 3
    wild = await search(th, query="tea", scope="user/a_c%")
    assert [h["scope"] for h in wild["data"]] == ["user/a_c%"]
    cat = await search(th, query="tea", category="preference")
    assert [h["content"] for h in cat["data"]] == ["alice likes tea"]
    meta = await search(th, query="tea", metadata={"lang": "fr"})
    assert [h["content"] for h in meta["data"]] == ["bob drinks tea"]
    for pairs in ({"n": 2}, {"ok": True}, {"lang": "fr", "n": 2.0}):
        found = await search(th, query="tea", metadata=pairs)
        assert [h["content"] for h in found["data"]] == ["bob drinks tea"], pairs
    assert (await search(th, query="tea", metadata={"n": 3}))["data"] == []
    assert (await search(th, query="tea", metadata={"ok": 1}))["data"] == []
    listed = (await th.client.get("/api/v1/memory?category=preference", headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 1
    page = (await th.client.get("/api/v1/memory?limit=2", headers=th.auth)).json()
    assert page["meta"]["has_more"] and len(page["data"]) == 2
    rest = await th.client.get(
        f"/api/v1/memory?limit=2&cursor={page['meta']['next_cursor']}", headers=th.auth
    )
    assert not {e["id"] for e in rest.json()["data"]} & {e["id"] for e in page["data"]}


async def test_keyword_scores_rank_and_min_score(th: Harness) -> None:
    await remember(th, content="the invoice report is late")
    await remember(th, content="the invoice was paid")
    hits = await search(th, query="late invoice report")
    assert [h["content"] for h in hits["data"]] == [
        "the invoice report is late",
        "the invoice was paid",
    ]
    assert hits["data"][0]["score"] == 1.0
    strict = await search(th, query="late invoice report", min_score=0.9, limit=1)
    assert len(strict["data"]) == 1


async def test_projects_never_see_each_others_memory(th: Harness) -> None:
    entry = await remember(th, content="secret preference of main")
    _, other = await th.new_project("other")
    path = f"/api/v1/memory/{entry['id']}"
    assert (await th.client.get(path, headers=other)).status_code == 404
    assert (await th.client.patch(path, json={"content": "x"}, headers=other)).status_code == 404
    assert (await th.client.delete(path, headers=other)).status_code == 404
    assert (await th.client.get("/api/v1/memory", headers=other)).json()["data"] == []
    assert (await search(th, other, query="secret preference"))["data"] == []
    same = await remember(th, other, content="secret preference of main")
    assert same["id"] != entry["id"]
    assert (await th.client.get(path, headers=th.auth)).json()["content"] == entry["content"]
    # a scope filter never widens what a project sees (the prefix is one term of the query)
    deep = await remember(th, other, content="secret of other, below", scope="user/alice/deep")
    for auth, expected in ((th.auth, {entry["id"]}), (other, {same["id"], deep["id"]})):
        for mode in ("auto", "keyword"):
            hits = await search(th, auth, query="secret", scope="user/alice", mode=mode)
            assert {h["id"] for h in hits["data"]} == expected
        listed = await th.client.get("/api/v1/memory?scope=user/alice", headers=auth)
        assert {e["id"] for e in listed.json()["data"]} == expected
    scopes = (await th.client.get("/api/v1/memory/scopes", headers=th.auth)).json()["data"]
    assert [s["scope"] for s in scopes] == ["user/alice"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", {"scope": "user/alice"}),
        ("", {"content": "", "scope": "user/alice"}),
        ("", {"content": "   ", "scope": "user/alice"}),
        ("", {"content": "x"}),
        ("", {"content": "x", "scope": "user//alice"}),
        ("", {"content": "x", "scope": []}),
        ("", {"content": "x", "scope": "a", "ttl": 0}),
        ("", {"content": "x", "scope": "a", "importance": 2}),
        ("", {"content": "x", "scope": "a" * 501}),
        ("/search", {"query": ""}),
        ("/search", {"query": "   "}),
        ("/search", {"query": "x", "limit": 0}),
        ("/search", {"query": "x", "limit": 10_000}),
        ("/search", {"query": "x", "mode": "psychic"}),
        ("/search", {"query": "x", "scope": "a//b"}),
    ],
    ids=[
        "no-content",
        "empty-content",
        "blank-content",
        "no-scope",
        "empty-label",
        "empty-scope",
        "ttl-0",
        "importance-2",
        "long-scope",
        "empty-query",
        "blank-query",
        "limit-0",
        "limit-10000",
        "unknown-mode",
        "bad-scope",
    ],
)
async def test_bad_input_is_422_and_writes_nothing(
    th: Harness, path: str, body: dict[str, Any]
) -> None:
    response = await th.client.post(f"/api/v1/memory{path}", json=body, headers=th.auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert count_rows(th) == 0


async def test_bad_list_queries(th: Harness) -> None:
    for query in ("scope=a//b", "limit=0", "limit=10000", "cursor=nonsense"):
        response = await th.client.get(f"/api/v1/memory?{query}", headers=th.auth)
        assert response.status_code in (400, 422), (query, response.text)


async def test_test_keys_memories_follow_the_test_data_lifecycle(th: Harness) -> None:
    from tracehouse.clock import now_us
    from tracehouse.jobs.retention import purge

    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    made = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    test_auth = {"X-API-Key": made.json()["secret_key"]}
    test_entry = await remember(th, test_auth, content="from a test key")
    live_entry = await remember(th, content="from a live key")
    assert test_entry["is_test"] is True and live_entry["is_test"] is False
    db = open_database(th.settings)
    day = 86_400_000_000
    try:
        assert purge(db.writer, test_data_days=5, now=now_us() + 4 * day).memories == 0
        assert purge(db.writer, test_data_days=5, now=now_us() + 6 * day).memories == 1
    finally:
        db.dispose()
    listed = (await th.client.get("/api/v1/memory", headers=th.auth)).json()["data"]
    assert [e["id"] for e in listed] == [live_entry["id"]]


async def test_read_only_keys_cannot_write(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    made = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"access": "read"}, headers=token
    )
    assert made.status_code == 201, made.text
    reader = {"X-API-Key": made.json()["secret_key"]}
    denied = await th.client.post(
        "/api/v1/memory", json={"content": "x", "scope": "a"}, headers=reader
    )
    assert denied.status_code == 403
    entry = await remember(th, content="readable")
    assert (await th.client.get(f"/api/v1/memory/{entry['id']}", headers=reader)).status_code == 200
    assert (await search(th, reader, query="readable"))["data"][0]["id"] == entry["id"]
    path = f"/api/v1/memory/{entry['id']}"
    assert (await th.client.delete(path, headers=reader)).status_code == 403


async def test_deletes_and_embedder_changes_are_audited(th: Harness) -> None:
    entry = await remember(th, content="to be forgotten")
    await th.client.delete(f"/api/v1/memory/{entry['id']}", headers=th.auth)
    await th.client.put("/api/v1/embedder", json={"kind": "none"}, headers=th.auth)
    await th.client.delete("/api/v1/embedder", headers=th.auth)
    token = await th.admin_token()
    logged = (await th.client.get("/api/v1/audit-logs", headers=token)).json()["data"]
    actions = [(e["action"], e["target_id"]) for e in logged]
    assert ("memory.delete", entry["id"]) in actions
    assert {"embedder.update", "embedder.reset"} <= {a for a, _ in actions}
    assert not any(a == "memory.create" for a, _ in actions)
