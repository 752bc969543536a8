"""Semantic and hybrid span search: a paraphrase sharing no word finds the span, fusion puts
what both rankings agree on first, a change of embedder re-embeds in the background, and an
embedder that is down leaves keyword results with a note."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import Harness
from tests.embeddings import tiny_model
from tests.search.test_search import index, post_traces, search

from tracehouse.search import vectors
from tracehouse.store.tables import embedding_indexes, search_chunks

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model.build(tmp_path_factory.mktemp("models") / "tiny")


async def use_provider(th: Harness, base_url: str, **credential: Any) -> None:
    body = {"name": "emb", "api_key": "sk-embed-0001", "base_url": base_url, **credential}
    response = await th.client.post("/api/v1/providers", json=body, headers=th.auth)
    assert response.status_code == 201, response.text
    choice = {"kind": "provider", "credential": "emb", "model": "text-embedding-3-small"}
    response = await th.client.put("/api/v1/embedder", json=choice, headers=th.auth)
    assert response.status_code == 200, response.text


def step(trace_id: str, message: str) -> dict[str, Any]:
    """A trace whose one span failed with `message`."""
    return {
        "id": trace_id,
        "name": "job",
        "observations": [
            {"id": f"{trace_id}-s", "type": "span", "level": "ERROR", "statusMessage": message}
        ],
    }


async def embed(th: Harness) -> int:
    total = 0
    while count := await vectors.embed_all(th.app.state.runtime):
        total += count
    return total


async def seeded(th: Harness) -> None:
    await post_traces(
        th,
        step("db", "postgres network timeout"),
        step("both", "database failure during checkout"),
        step("coffee", "espresso machine empty"),
    )
    index(th)
    assert await embed(th) == 6  # each trace's own chunk and its span's


async def test_a_paraphrase_sharing_no_word_is_found(th: Harness, openai_url: str) -> None:
    await use_provider(th, openai_url)
    await seeded(th)
    found = await search(th, query="sql socket deadline", mode="semantic", limit=1)
    assert [(h["trace_id"], h["observation_id"]) for h in found["data"]] == [("db", "db-s")]
    assert found["meta"] == {**found["meta"], "mode": "semantic", "notes": []}
    assert found["data"][0]["score"] > 0.5
    assert (await search(th, query="sql socket deadline", mode="keyword"))["data"] == []


async def test_hybrid_puts_what_both_rankings_find_first(th: Harness, openai_url: str) -> None:
    await use_provider(th, openai_url)
    await seeded(th)
    keyword = await search(th, query="database failure", mode="keyword")
    assert [h["trace_id"] for h in keyword["data"]] == ["both"]
    hybrid = await search(th, query="database failure", limit=2)
    assert hybrid["meta"]["mode"] == "hybrid"
    assert [h["trace_id"] for h in hybrid["data"]] == ["both", "db"]
    assert hybrid["data"][0]["score"] > hybrid["data"][1]["score"]


async def test_semantic_hits_keep_to_the_project_and_the_filters(
    th: Harness, openai_url: str
) -> None:
    await use_provider(th, openai_url)
    _, other = await th.new_project("other")
    await post_traces(th, step("theirs", "postgres network timeout"), auth=other)
    await seeded(th)
    found = await search(th, query="sql socket deadline", mode="semantic", limit=10)
    assert "theirs" not in {h["trace_id"] for h in found["data"]}
    spans = await search(th, query="sql socket deadline", mode="semantic", type="trace")
    assert {h["observation_id"] for h in spans["data"]} == {None}


async def test_changing_the_embedder_embeds_again(
    th: Harness, openai_url: str, tiny_model_dir: Path
) -> None:
    await use_provider(th, openai_url)
    await seeded(th)
    before = await search(th, query="sql socket deadline", mode="semantic", limit=1)
    assert [h["trace_id"] for h in before["data"]] == ["db"]
    shutil.copytree(tiny_model_dir, th.settings.resolved_models_dir / "tiny")
    choice = {"kind": "model2vec", "model": "tiny"}
    response = await th.client.put("/api/v1/embedder", json=choice, headers=th.auth)
    assert response.status_code == 200, response.text
    assert await embed(th) == 6
    db = th.app.state.runtime.db
    with db.reader.connect() as conn:
        indexes = select(embedding_indexes.c.model, embedding_indexes.c.dimensions)
        [(model, dimensions)] = conn.execute(indexes).all()
        assert model.startswith("model2vec:") and dimensions == 32
        sizes = {len(b) for b in conn.execute(select(search_chunks.c.embedding)).scalars()}
    if db.clickhouse is not None:  # the vectors are there
        table = db.clickhouse.layout.table("search_vectors")
        rows = db.clickhouse.rows(f"SELECT length(embedding) * 4 AS size FROM {table}")
        sizes = {row["size"] for row in rows}
    assert sizes == {32 * 4}
    found = await search(th, query="sql socket deadline", mode="semantic", limit=1)
    assert [h["trace_id"] for h in found["data"]] == ["db"]


async def test_an_embedder_that_is_down_leaves_keyword_results_with_a_note(th: Harness) -> None:
    await use_provider(th, "http://127.0.0.1:9/v1", max_retries=0)
    await post_traces(th, step("db", "postgres network timeout"))
    index(th)
    assert await embed(th) == 0  # skipped, logged
    for mode in ("hybrid", "semantic"):
        found = await search(th, query="postgres timeout", mode=mode)
        assert [h["trace_id"] for h in found["data"]] == ["db"]
        assert found["meta"]["mode"] == "keyword"
        assert "unavailable" in found["meta"]["notes"][0]


async def test_without_an_embedder_hybrid_is_keyword_with_a_note(th: Harness) -> None:
    await post_traces(th, step("db", "postgres network timeout"))
    index(th)
    found = await search(th, query="postgres")
    assert found["meta"]["mode"] == "keyword"
    assert found["meta"]["notes"] == ["No embedder is configured: keyword search only."]


async def test_a_query_the_model_knows_no_word_of_has_no_semantic_hits(
    th: Harness, tiny_model_dir: Path
) -> None:
    """The local model embeds a query of unknown words as zeros: every chunk would tie, so
    semantic search finds nothing (rather than arbitrary chunks) and hybrid is its keyword
    half."""
    shutil.copytree(tiny_model_dir, th.settings.resolved_models_dir / "tiny")
    choice = {"kind": "model2vec", "model": "tiny"}
    response = await th.client.put("/api/v1/embedder", json=choice, headers=th.auth)
    assert response.status_code == 200, response.text
    await seeded(th)
    assert (await search(th, query="zyxwv qwert", mode="semantic"))["data"] == []
    known = await search(th, query="sql socket deadline", mode="semantic", limit=1)
    assert [h["trace_id"] for h in known["data"]] == ["db"]
    hybrid = await search(th, query="machine", mode="hybrid")  # a word only keyword search knows
    assert hybrid["meta"]["mode"] == "hybrid"
    assert [h["trace_id"] for h in hybrid["data"]] == ["coffee"]
