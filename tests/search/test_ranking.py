"""Ranking at scale's edges: a query of common words still puts the best trace first (the
bounded ranking window orders by relevance, not by age), a rare word weighs more than a common
one, equal scores list the newest first, the semantic top-k and the project's in-memory vectors
(grown in place, loaded page by page) agree with an exact ranking."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlalchemy import select
from tests.conftest import Harness
from tests.search.test_search import chunk_count, index, post_traces, search
from tests.search.test_semantic import embed, seeded, use_provider

from tracehouse.embeddings.vectors import normalized
from tracehouse.search import vectors
from tracehouse.store import bm25, fulltext
from tracehouse.store.tables.search import FTS_TABLE, search_chunks

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


@pytest.mark.parametrize("db_kind", ["sqlite", "clickhouse"], indirect=True)
async def test_a_rare_word_weighs_more_than_a_common_one(th: Harness) -> None:
    """Every hit holds both words; the one repeating the rare word (an error code in two
    chunks) comes before the one repeating the common word (in most chunks). BM25 on SQLite;
    PostgreSQL's `ts_rank_cd` weighs no word by its rarity (docs/search.md)."""
    rng = random.Random(7)
    noise = [failed(f"n{n}", f"refund {diluted(rng)}") for n in range(20)]
    code = failed("code", "refund E4711 E4711 E4711 E4711 declined")
    word = failed("word", "refund refund refund refund E4711 declined")
    await post_traces(th, code, *noise, word)
    index(th)
    body = await search(th, query="refund E4711", mode="keyword")
    assert [hit["trace_id"] for hit in body["data"]] == ["code", "word"]


async def test_equal_scores_list_the_newest_first(th: Harness) -> None:
    for name in ("older", "newer"):
        await post_traces(th, failed(name, "refund payment declined"))
        index(th)
    body = await search(th, query="refund payment declined", mode="keyword")
    assert [hit["trace_id"] for hit in body["data"]] == ["newer", "older"]
    assert body["data"][0]["score"] == body["data"][1]["score"]


def test_term_frequency_counts_the_words_starting_with_the_stem() -> None:
    """ "Refunds", "refunded," and "REFUND" count for "refund"; "nonrefundable" does not; of
    two bodies with as many occurrences the shorter scores higher."""
    assert bm25.stem("Refunds") == "refund" and bm25.stem("queries") == "quer"
    once, thrice = "nonrefundable refund", "Refunds, refunded: REFUND (nonrefundable)"
    low, high = bm25.scores([once, thrice], ["refund"], [1.0])
    assert high > low
    short, long = bm25.scores(["refund it", "refund it " + "x " * 40], ["refunds"], [1.0])
    assert short > long
    odd = bm25.scores(["Ärger\x01 über Ärger", "ärger"], ["ärger"], [1.0])
    assert len(odd) == 2 and odd[0] > 0 and odd[1] > 0  # a body holding the separator


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)  # FTS5's document counts
async def test_document_frequencies_are_kept_then_counted_again(th: Harness) -> None:
    """A word's count of chunks is read once; it is counted again when the number of chunks
    moved by more than a tenth (or after `DF_SECONDS`)."""
    await post_traces(th, failed("first", "quokka refused"))
    index(th)
    engine = th.app.state.runtime.db.reader
    with engine.connect() as conn:
        rows = bm25.total_rows(conn, FTS_TABLE)
        assert (
            rows == chunk_count(th)
            and bm25.document_frequency(conn, FTS_TABLE, "quokka", rows, 10**6) == 1
        )
    await post_traces(th, *(failed(f"more{n}", "quokka again") for n in range(5)))
    index(th)
    with engine.connect() as conn:
        assert bm25.document_frequency(conn, FTS_TABLE, "quokka", rows, 10**6) == 1  # kept
        grown = bm25.total_rows(conn, FTS_TABLE)
        assert (
            grown > rows * 1.1
            and bm25.document_frequency(conn, FTS_TABLE, "quokka", grown, 10**6) == 6
        )


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)  # FTS5's document counts
async def test_a_common_words_frequency_is_estimated_from_the_newest_chunks(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await post_traces(th, *(failed(f"w{n}", "wombat refused") for n in range(10)))
    index(th)
    monkeypatch.setattr(bm25, "SAMPLE_ROWIDS", 10)
    monkeypatch.setattr(bm25, "SAMPLE_MIN", 2)
    with th.app.state.runtime.db.reader.connect() as conn:
        rows = bm25.total_rows(conn, FTS_TABLE)
        top = max(conn.execute(select(search_chunks.c.chunk_rowid)).scalars())
        assert rows == 20  # each trace's own chunk and its span's
        assert 8 <= bm25.document_frequency(conn, FTS_TABLE, "wombat", rows, top) <= 12
