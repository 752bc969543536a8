"""Semantic memory search on both databases: a paraphrase sharing no word finds the entry, the
answer names the embedder; an embedder that is down gives keyword results with a note (never a
500); entries stored while it was down, and after a change of embedder, are embedded later."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import Harness, make_settings, start
from tests.fake_openai import SCRIPT
from tests.memory.conftest import remember, search, use_provider

from tracehouse.store.engine import open_database
from tracehouse.store.tables import embedding_indexes, memories

pytestmark = pytest.mark.anyio

ENTRIES = (
    "The user prefers dark mode",
    "Drinks espresso every morning",
    "The database connection timed out twice",
)


async def test_a_paraphrase_sharing_no_word_is_found(th: Harness, openai_url: str) -> None:
    await use_provider(th, openai_url)
    for content in ENTRIES:
        await remember(th, content=content)
    hits = await search(th, query="customer loves night theme", limit=2)
    assert hits["mode"] == "semantic" and hits["note"] is None
    assert hits["embedder"] == f"provider:text-embedding-3-small@{openai_url}"
    assert hits["data"][0]["content"] == "The user prefers dark mode"
    assert hits["data"][0]["score"] > 0.8 > hits["data"][1]["score"]
    keyword = await search(th, query="customer loves night theme", mode="keyword")
    assert keyword["mode"] == "keyword" and keyword["data"] == []
    strict = await search(th, query="customer loves night theme", min_score=0.9)
    assert [h["content"] for h in strict["data"]] == ["The user prefers dark mode"]
    scoped = await search(th, query="customer loves night theme", scope="user/bob")
    assert scoped["data"] == []


async def test_embedder_down_gives_keyword_results_with_a_note(
    th: Harness, openai_url: str
) -> None:
    await use_provider(th, "http://127.0.0.1:9/v1", max_retries=0)
    stored = await th.client.post(
        "/api/v1/memory", json={"content": "Prefers dark mode", "scope": "u"}, headers=th.auth
    )
    assert stored.status_code == 201, stored.text  # kept without a vector
    hits = await search(th, query="dark mode")
    assert hits["mode"] == "keyword" and "unavailable" in hits["note"]
    assert [h["content"] for h in hits["data"]] == ["Prefers dark mode"]
    SCRIPT.reset(("status", 500), ("status", 500), ("status", 500))
    put = await th.client.patch(
        "/api/v1/providers/embed",
        json={"base_url": openai_url, "max_retries": 0},
        headers=th.auth,
    )
    assert put.status_code == 200, put.text
    refused = await search(th, query="night theme")
    assert refused["mode"] == "keyword" and "HTTP 500" in refused["note"]
    SCRIPT.reset()
    healed = await search(th, query="night theme")  # the stored entry is embedded now
    assert healed["mode"] == "semantic"
    assert [h["content"] for h in healed["data"]][:1] == ["Prefers dark mode"]


async def test_without_an_embedder_search_is_keyword(th: Harness) -> None:
    await remember(th, content="Prefers dark mode")
    auto = await search(th, query="dark")
    assert (auto["mode"], auto["note"]) == ("keyword", None)
    forced = await search(th, query="dark", mode="semantic")
    assert forced["mode"] == "keyword" and "no embedder" in forced["note"]


def index_state(th: Harness) -> tuple[list[str], int]:
    db = open_database(th.settings)
    try:
        with db.reader.connect() as conn:
            models = list(conn.execute(select(embedding_indexes.c.model)).scalars())
            sizes = conn.execute(select(memories.c.embedding)).scalars().all()
    finally:
        db.dispose()
    return models, len({len(blob) for blob in sizes if blob is not None})


async def test_a_change_of_embedder_rebuilds_the_vectors(
    th: Harness, openai_url: str, tiny_model_dir: Path
) -> None:
    await use_provider(th, openai_url)
    for content in ENTRIES:
        await remember(th, content=content)
    models, _ = index_state(th)
    assert models == [f"provider:text-embedding-3-small@{openai_url}"]
    shutil.copytree(tiny_model_dir, th.settings.resolved_models_dir / "tiny")
    put = await th.client.put(
        "/api/v1/embedder", json={"kind": "model2vec", "model": "tiny"}, headers=th.auth
    )
    assert put.status_code == 200
    hits = await search(th, query="customer loves night theme")
    assert hits["mode"] == "semantic" and hits["embedder"].startswith("model2vec:")
    assert hits["data"][0]["content"] == "The user prefers dark mode"
    models, sizes = index_state(th)
    assert models == [hits["embedder"]] and sizes == 1  # every vector is the new model's


@pytest.fixture
async def th_local(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, tiny_model_dir: Path
) -> AsyncIterator[Harness]:
    """The app with the server-wide embedder a local model2vec model."""
    settings = make_settings(db_kind, tmp_path, request, embedder=f"model2vec:{tiny_model_dir}")
    async for harness in start(settings):
        yield harness


async def test_server_wide_local_model(th_local: Harness) -> None:
    th = th_local
    got = (await th.client.get("/api/v1/embedder", headers=th.auth)).json()
    assert (got["kind"], got["source"]) == ("model2vec", "server")
    for content in ENTRIES:
        await remember(th, content=content, scope="agent/support")
    hits = await search(th, query="slow sql failure", scope="agent")
    assert hits["mode"] == "semantic"
    assert hits["data"][0]["content"] == "The database connection timed out twice"
    off = await th.client.put("/api/v1/embedder", json={"kind": "none"}, headers=th.auth)
    assert off.status_code == 200
    assert (await search(th, query="slow sql failure"))["mode"] == "keyword"
