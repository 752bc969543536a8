"""Ranking at scale's edges: a query of common words still puts the best trace first (the
bounded ranking window orders by relevance, not by age), the semantic top-k and the project's
in-memory vectors (grown in place, loaded page by page) agree with an exact ranking."""

from __future__ import annotations

import random

import numpy as np
import pytest
from tests.conftest import Harness
from tests.search.test_search import index, post_traces, search
from tests.search.test_semantic import embed, seeded, use_provider

from tracehouse.embeddings.vectors import normalized
from tracehouse.search import vectors
from tracehouse.store import fulltext

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
FILLER = [
    "the",
    "customer",
    "asked",
    "about",
    "an",
    "order",
    "and",
    "the",
    "agent",
    "looked",
    "it",
    "up",
    "in",
    "the",
    "database",
]


def failed(trace_id: str, message: str) -> dict[str, object]:
    return {
        "id": trace_id,
        "name": "job",
        "observations": [
            {"id": f"{trace_id}-s", "type": "span", "level": "ERROR", "statusMessage": message}
        ],
    }


def diluted(rng: random.Random) -> str:
    """The two common words once, among many others."""
    words = [*rng.choices(FILLER, k=60), "refund", *rng.choices(FILLER, k=60), "payment"]
    return " ".join(words)


async def test_a_common_word_query_puts_the_best_trace_first(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty spans hold both words once in long text; one, neither the newest nor the oldest,
    is about them. It comes first, also when the window ranks fewer matches than there are
    (the newest 25 of 30 here: it is among them, the oldest traces are not)."""
    rng = random.Random(3)
    traces = [failed(f"t{n}", diluted(rng)) for n in range(30)]
    traces.insert(24, failed("best", "refund payment failed: the refund payment was declined"))
    await post_traces(th, *traces)
    index(th)
    body = await search(th, query="refund payment", mode="keyword", limit=100)
    assert body["data"][0]["trace_id"] == "best"
    assert len(body["data"]) == 31
    monkeypatch.setattr(fulltext, "RANK_WINDOW", 25)
    body = await search(th, query="refund payment", mode="keyword", limit=100)
    assert body["data"][0]["trace_id"] == "best"
    assert len(body["data"]) == 25 and "t0" not in {hit["trace_id"] for hit in body["data"]}


async def test_hybrid_with_a_common_word_query_keeps_the_keyword_best_first(
    th: Harness, openai_url: str
) -> None:
    await use_provider(th, openai_url)
    rng = random.Random(5)
    await post_traces(th, failed("best", "refund payment declined"), failed("other", diluted(rng)))
    index(th)
    await embed(th)
    body = await search(th, query="refund payment declined", mode="hybrid")
    assert body["meta"]["mode"] == "hybrid"
    assert body["data"][0]["trace_id"] == "best"


async def test_vectors_loaded_page_by_page_rank_as_one(
    th: Harness, openai_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's vectors read a page of two at a time give the same hits as in one go."""
    await use_provider(th, openai_url)
    await seeded(th)
    whole = await search(th, query="sql socket deadline", mode="semantic")
    vectors._copies.clear()
    monkeypatch.setattr(vectors, "LOAD_BATCH", 2)
    paged = await search(th, query="sql socket deadline", mode="semantic")
    assert [h["trace_id"] for h in paged["data"]] == [h["trace_id"] for h in whole["data"]]
    assert paged["data"][0]["trace_id"] == "db" and len(paged["data"]) == 3


@pytest.mark.parametrize("size", [10, 60_000, 300_000])
def test_top_k_matches_an_exact_sort(size: int) -> None:
    scores = np.random.default_rng(size).normal(size=size).astype(np.float32)
    for k in (1, 7, 50, 500):
        expected = np.argsort(-scores, kind="stable")[: min(k, size)]
        assert list(vectors.top(scores, k)) == list(expected)


def test_top_k_of_tied_scores_still_returns_k() -> None:
    scores = np.ones(100_000, dtype=np.float32)
    assert len(vectors.top(scores, 50)) == 50


def test_the_copy_grows_in_place_and_keeps_every_row() -> None:
    copy = vectors._Copy()
    rng = np.random.default_rng(1)
    parts = [normalized(rng.normal(size=(n, 8)).astype(np.float32)) for n in (3, 1500, 700)]
    start = 0
    for part in parts:
        copy.append(np.arange(start, start + len(part)), part)
        start += len(part)
    assert copy.matrix is not None and copy.matrix.shape == (2203, 8)
    assert np.array_equal(copy.matrix, np.vstack(parts))
    assert list(copy.rowids) == list(range(2203))
    assert copy.buffer is not None and copy.buffer.flags["C_CONTIGUOUS"]
