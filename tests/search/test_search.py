"""`POST /api/v1/search` (keyword mode and the shared parts): what is indexed and found, filters,
project isolation, deletion and retention, test data, bad input, the lists' `q`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import Harness, make_settings, start

from tracehouse.clock import now_us
from tracehouse.jobs import search_index
from tracehouse.jobs.retention import purge
from tracehouse.store.tables import search_chunks

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
DAY_US = 86_400_000_000


def agent_trace(trace_id: str, **fields: Any) -> dict[str, Any]:
    """A trace with a chat generation, a tool call and a failed step."""
    return {
        "id": trace_id,
        "name": "support agent",
        "userId": "alice",
        "sessionId": "s1",
        "environment": "production",
        "tags": ["support"],
        "input": [{"role": "user", "content": "How is the weather in the capital?"}],
        "observations": [
            {
                "id": f"{trace_id}-llm",
                "type": "generation",
                "name": "plan",
                "model": "gpt-4o",
                "input": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": "How is the weather in the capital?"},
                ],
                "output": {"role": "assistant", "content": "Let me check the forecast."},
            },
            {
                "id": f"{trace_id}-tool",
                "type": "tool",
                "name": "get_weather",
                "input": {"city": "Reykjavik", "units": "celsius"},
                "output": {"temperature": 3},
            },
            {
                "id": f"{trace_id}-fail",
                "type": "span",
                "name": "send reply",
                "level": "ERROR",
                "statusMessage": "upstream gateway refused the connection (quokka-42)",
            },
        ],
        **fields,
    }


async def post_traces(th: Harness, *traces: dict[str, Any], auth: Any = None) -> None:
    for trace in traces:
        response = await th.client.post("/api/v1/traces", json=trace, headers=auth or th.auth)
        assert response.status_code == 201, response.text


def index(th: Harness) -> int:
    return search_index.catch_up(th.app.state.runtime.db, settle_us=0)


async def search(th: Harness, auth: Any = None, **body: Any) -> dict[str, Any]:
    response = await th.client.post("/api/v1/search", json=body, headers=auth or th.auth)
    assert response.status_code == 200, response.text
    return response.json()


def chunk_count(th: Harness) -> int:
    return len(chunk_flags(th))


def chunk_flags(th: Harness) -> list[tuple[str, bool]]:
    """(trace id, is_test) of every chunk stored (in ClickHouse when it holds the traces)."""
    db = th.app.state.runtime.db
    if db.clickhouse is not None:
        table = db.clickhouse.layout.table("search_chunks")
        rows = db.clickhouse.rows(f"SELECT trace_id, is_test FROM {table}")
        return [(row["trace_id"], bool(row["is_test"])) for row in rows]
    with db.reader.connect() as conn:
        query = select(search_chunks.c.trace_id, search_chunks.c.is_test)
        return [(trace_id, bool(flag)) for trace_id, flag in conn.execute(query)]


async def test_keyword_hits_a_spans_error_message_and_a_tool_argument(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"))
    assert index(th) == 1
    error = await search(th, query="gateway refused", mode="keyword")
    [hit] = error["data"]
    assert (hit["trace_id"], hit["observation_id"]) == ("t1", "t1-fail")
    assert "<mark>gateway</mark> <mark>refused</mark>" in hit["snippet"]
    assert hit["score"] > 0 and hit["kind"] == "span" and hit["trace_name"] == "support agent"
    tool = await search(th, query="reykjavik", mode="keyword")
    assert [(h["trace_id"], h["observation_id"]) for h in tool["data"]] == [("t1", "t1-tool")]
    assert tool["meta"]["mode"] == "keyword"
    assert tool["meta"]["index"]["lag_seconds"] == 0


async def test_nothing_is_found_before_the_indexer_ran_and_the_lag_shows(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"))
    body = await search(th, query="reykjavik")
    assert body["data"] == []
    assert body["meta"]["index"]["lag_seconds"] >= 0
    assert body["meta"]["index"]["indexed_through"] is None
    index(th)
    body = await search(th, query="reykjavik")
    assert [h["trace_id"] for h in body["data"]] == ["t1"]
    assert body["meta"]["index"]["indexed_through"] is not None


async def test_a_trace_is_one_hit_at_its_best_chunk(th: Harness) -> None:
    """Words in several spans of one trace: one hit, at the chunk that holds them best."""
    await post_traces(th, agent_trace("t1"), agent_trace("t2", name="weather bot"))
    index(th)
    body = await search(th, query="weather", mode="keyword", limit=10)
    assert sorted(h["trace_id"] for h in body["data"]) == ["t1", "t2"]
    limited = await search(th, query="weather", mode="keyword", limit=1)
    assert len(limited["data"]) == 1


async def test_an_updated_span_is_indexed_again(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"))
    index(th)
    patch = {"statusMessage": "the wombat ate the cable", "traceId": "t1"}
    response = await th.client.patch("/api/v1/observations/t1-fail", json=patch, headers=th.auth)
    assert response.status_code == 200, response.text
    assert index(th) == 1
    assert [h["observation_id"] for h in (await search(th, query="wombat"))["data"]] == ["t1-fail"]
    assert (await search(th, query="quokka"))["data"] == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["a", "b", "c"]),
        ({"userId": "bob"}, ["b"]),
        ({"sessionId": "s2"}, ["c"]),
        ({"environment": "staging"}, ["c"]),
        ({"tags": ["vip"]}, ["b"]),
        ({"model": "claude-sonnet-4-5"}, ["c"]),
        ({"from": "2026-11-02T00:00:00Z"}, ["b", "c"]),
        ({"to": "2026-11-02T00:00:00Z"}, ["a"]),
        ({"type": "tool"}, ["a", "b", "c"]),
        ({"level": "ERROR"}, ["a", "b", "c"]),
        ({"type": "generation", "query": "reykjavik"}, []),
    ],
    ids=[
        "none",
        "user",
        "session",
        "environment",
        "tags",
        "model",
        "from",
        "to",
        "type",
        "level",
        "type-excludes",
    ],
)
async def test_filters(th: Harness, filters: dict[str, Any], expected: list[str]) -> None:
    base = agent_trace("a", timestamp="2026-11-01T10:00:00Z")
    vip = agent_trace("b", userId="bob", tags=["vip"], timestamp="2026-11-02T10:00:00Z")
    staging = agent_trace(
        "c", sessionId="s2", environment="staging", timestamp="2026-11-03T10:00:00Z"
    )
    staging["observations"][0]["model"] = "claude-sonnet-4-5"
    await post_traces(th, base, vip, staging)
    index(th)
    body = {"query": "reykjavik quokka" if "level" in filters else "reykjavik", **filters}
    if "level" in filters or filters.get("type") == "tool":
        body["query"] = "quokka" if "level" in filters else "reykjavik"
    found = await search(th, mode="keyword", **body)
    assert sorted(h["trace_id"] for h in found["data"]) == expected


async def test_never_a_hit_from_another_project(th: Harness) -> None:
    _, other = await th.new_project("other")
    await post_traces(th, agent_trace("mine"))
    await post_traces(th, agent_trace("theirs"), auth=other)
    index(th)
    mine = await search(th, query="reykjavik")
    theirs = await search(th, query="reykjavik", auth=other)
    assert [h["trace_id"] for h in mine["data"]] == ["mine"]
    assert [h["trace_id"] for h in theirs["data"]] == ["theirs"]


async def test_deleting_a_trace_removes_its_chunks(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"), agent_trace("t2"))
    index(th)
    per_trace = chunk_count(th) // 2
    response = await th.client.delete("/api/v1/traces/t1", headers=th.auth)
    assert response.status_code == 204
    assert chunk_count(th) == per_trace
    assert [h["trace_id"] for h in (await search(th, query="quokka"))["data"]] == ["t2"]


async def test_retention_purges_chunks_and_test_data_stays_test_data(th: Harness) -> None:
    token = await th.admin_token()
    main = next(
        p
        for p in (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
        if p["name"] == "main"
    )
    key = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    await post_traces(
        th, agent_trace("from-test-key"), auth={"X-API-Key": key.json()["secret_key"]}
    )
    await post_traces(th, agent_trace("old", timestamp="2026-01-01T00:00:00Z"), agent_trace("new"))
    index(th)
    assert sorted(set(chunk_flags(th))) == [
        ("from-test-key", True),
        ("new", False),
        ("old", False),
    ]
    writer = th.app.state.runtime.db.writer
    purge(writer, test_data_days=5, now=now_us() + 6 * DAY_US)
    found = await search(th, query="quokka")
    assert sorted(h["trace_id"] for h in found["data"]) == ["new", "old"]
    await th.client.patch(
        f"/api/v1/projects/{main['id']}", json={"retentionDays": 30}, headers=token
    )
    purge(writer, test_data_days=5)
    assert [h["trace_id"] for h in (await search(th, query="quokka"))["data"]] == ["new"]
    assert chunk_count(th) == 4  # the trace's own chunk and its three spans'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({}, "query"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "limit": 10_000}, "limit"),
        ({"query": "x", "mode": "fuzzy"}, "mode"),
        ({"query": "x", "from": "yesterday"}, "from"),
    ],
    ids=["empty", "blank", "missing", "limit-0", "limit-10000", "unknown-mode", "bad-time"],
)
async def test_bad_input_is_refused(th: Harness, body: dict[str, Any], field: str) -> None:
    response = await th.client.post("/api/v1/search", json=body, headers=th.auth)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error["details"])


async def test_search_needs_a_key(th: Harness) -> None:
    response = await th.client.post("/api/v1/search", json={"query": "x"})
    assert response.status_code == 401


async def test_a_query_without_words_finds_nothing(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"))
    index(th)
    assert (await search(th, query="?!", mode="keyword"))["data"] == []


async def test_snippets_are_escaped_html(th: Harness) -> None:
    await post_traces(
        th, {"id": "x", "name": "render", "input": "<b>zebra</b> & <script>x()</script>"}
    )
    index(th)
    [hit] = (await search(th, query="zebra"))["data"]
    assert "<b>" not in hit["snippet"] and "<script>" not in hit["snippet"]
    assert "<mark>zebra</mark>" in hit["snippet"]
    assert "&amp;" in hit["snippet"]  # (PostgreSQL's headline drops the tags themselves)


async def test_the_lists_q_uses_the_index_and_still_finds_what_it_lags_behind(
    th: Harness,
) -> None:
    """`q` on /traces and /observations finds words in a span's error message once indexed;
    the substring match on the trace's name, input and output answers before."""
    _, other = await th.new_project("other")
    await post_traces(th, agent_trace("t1"))
    await post_traces(th, agent_trace("theirs"), auth=other)

    async def listed(path: str, q: str, auth: Any = None) -> list[str]:
        response = await th.client.get(path, params={"q": q}, headers=auth or th.auth)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert await listed("/api/v1/traces", "quokka") == []  # not indexed yet
    assert await listed("/api/v1/traces", "the capital") == ["t1"]  # the trace's input
    index(th)
    assert await listed("/api/v1/traces", "gateway refused") == ["t1"]
    assert await listed("/api/v1/traces", "Reykjavik") == ["t1"]
    assert await listed("/api/v1/observations", "gateway refused") == ["t1-fail"]
    assert await listed("/api/v1/observations", "reykjavik") == ["t1-tool"]
    assert await listed("/api/v1/observations", "quokka", auth=other) == ["theirs-fail"]
    assert await listed("/api/v1/observations", "forecast") == ["t1-llm"]


async def test_the_background_job_indexes_new_traces(
    db_kind: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    """With the job on (as `serve` runs it), a new trace becomes findable without any call."""
    settings = make_settings(db_kind, tmp_path, request, search_index_interval_seconds=0.05)
    async for harness in start(settings):
        await post_traces(harness, agent_trace("t1"))
        for _ in range(600):  # the job waits for 3 quiet seconds after the last write
            found = await search(harness, query="quokka")
            if found["data"]:
                break
            await asyncio.sleep(0.05)
        assert [h["trace_id"] for h in found["data"]] == ["t1"]
        assert found["meta"]["index"]["lag_seconds"] == 0


async def test_search_is_a_read(th: Harness) -> None:
    """A search counts against the read limit, and never creates the project a header names."""
    response = await th.client.post("/api/v1/search", json={"query": "x"}, headers=th.auth)
    listed = await th.client.get("/api/v1/traces", headers=th.auth)
    assert response.headers["X-RateLimit-Limit"] == listed.headers["X-RateLimit-Limit"]
    token = await th.admin_token()
    org_id = (await th.client.get("/api/v1/organizations", headers=token)).json()["data"][0]["id"]
    created = await th.client.post(f"/api/v1/organizations/{org_id}/keys", json={}, headers=token)
    unknown = {"X-API-Key": created.json()["secret_key"], "X-Project-Name": "never-made"}
    response = await th.client.post("/api/v1/search", json={"query": "x"}, headers=unknown)
    assert response.status_code == 404, response.text
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    assert "never-made" not in {p["name"] for p in projects}
