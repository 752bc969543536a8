"""Search with the traces in ClickHouse (chDB): the chunks, their vectors and the indexer's read
marks live in ClickHouse tables, and deleting or purging traces takes every such row with it;
a span changed alone (its trace's row not written again) is indexed again; the words of a
query match as ClickHouse's tokenizer cuts them. The cluster DDL of these tables is inspected."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.search.test_search import agent_trace, index, post_traces, search
from tests.search.test_semantic import embed, use_provider

from tracehouse.clock import now_us
from tracehouse.jobs.retention import purge
from tracehouse.store.clickhouse import schema, search_schema
from tracehouse.store.clickhouse.search import marked_passage, tokens
from tracehouse.store.fulltext import MARK_END, MARK_START

pytestmark = pytest.mark.anyio
ON_CLICKHOUSE = pytest.mark.parametrize("db_kind", ["clickhouse"], indirect=True)
DAY_US = 86_400_000_000


def stored(th: Harness) -> dict[str, set[str]]:
    """{search table: the trace ids its rows belong to}."""
    ch = th.app.state.runtime.db.clickhouse
    traces = ch.rows(f"SELECT id, trace_rowid FROM {ch.layout.table('traces')}")
    ids = {row["trace_rowid"]: row["id"] for row in traces}
    out = {}
    for name in search_schema.TABLES:
        rows = ch.rows(f"SELECT DISTINCT trace_rowid FROM {ch.layout.table(name)}")
        out[name] = {ids.get(row["trace_rowid"], "?") for row in rows}
    return out


@ON_CLICKHOUSE
async def test_deleting_and_purging_traces_removes_their_chunks_vectors_and_marks(
    th: Harness, openai_url: str
) -> None:
    await use_provider(th, openai_url)
    await post_traces(th, agent_trace("gone"), agent_trace("old", timestamp="2026-01-01T00:00:00Z"))
    await post_traces(th, agent_trace("kept"))
    index(th)
    assert await embed(th) > 0
    everywhere = {key: {"gone", "old", "kept"} for key in search_schema.TABLES}
    assert stored(th) == everywhere
    response = await th.client.delete("/api/v1/traces/gone", headers=th.auth)
    assert response.status_code == 204
    assert stored(th) == {key: {"old", "kept"} for key in search_schema.TABLES}
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    await th.client.patch(
        f"/api/v1/projects/{main['id']}", json={"retentionDays": 30}, headers=token
    )
    purge(th.app.state.runtime.db.writer, test_data_days=5, now=now_us())
    assert stored(th) == {key: {"kept"} for key in search_schema.TABLES}
    found = await search(th, query="quokka", mode="keyword")
    assert [h["trace_id"] for h in found["data"]] == ["kept"]


@ON_CLICKHOUSE
async def test_test_data_purge_removes_its_chunks(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    key = await th.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    await post_traces(th, agent_trace("test"), auth={"X-API-Key": key.json()["secret_key"]})
    await post_traces(th, agent_trace("live"))
    index(th)
    purge(th.app.state.runtime.db.writer, test_data_days=5, now=now_us() + 6 * DAY_US)
    assert stored(th)[search_schema.CHUNKS] == {"live"}


@ON_CLICKHOUSE
async def test_words_match_as_the_tokenizer_cuts_them(th: Harness) -> None:
    """`get_weather` is two tokens, matched whole and ignoring case; a part of a word is not."""
    await post_traces(th, agent_trace("t1"))
    index(th)
    for query, expected in (("get_weather", ["t1"]), ("GET WEATHER", ["t1"]), ("weath", [])):
        found = await search(th, query=query, mode="keyword")
        assert [h["trace_id"] for h in found["data"]] == expected, query


def test_tokens_and_snippets() -> None:
    assert tokens(["Get_Weather", "get", "Reykjavík"]) == ["get", "weather", "reykjavík"]
    body = " ".join(f"w{n}" for n in range(40)) + " Quokka-42 end"
    marked = marked_passage(body, {"quokka"})
    assert marked is not None and f"{MARK_START}Quokka{MARK_END}-42 end" in marked
    assert marked.startswith("…w34 ")
    assert marked_passage("nothing here", {"quokka"}) is None


def test_the_search_tables_on_a_cluster_are_replicated_behind_distributed_tables() -> None:
    layout = schema.Layout(database="tracehouse", cluster="c1")
    statements = search_schema.ddl(layout)
    assert len(statements) == 2 * len(search_schema.TABLES)
    for name in search_schema.TABLES:
        [local] = [s for s in statements if f"`tracehouse`.`{name}_local` ON CLUSTER" in s[:90]]
        assert f"/clickhouse/tables/{{shard}}/tracehouse/{name}_local" in local
        assert "ENGINE = Replicated" in local
        head = f"CREATE TABLE IF NOT EXISTS `tracehouse`.`{name}` "
        [front] = [s for s in statements if s.startswith(head)]
        assert "cityHash64(project_rowid, trace_rowid)" in front
