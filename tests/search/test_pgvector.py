"""pgvector: the probe finds what the database offers, and without the extension (Debian's
PostgreSQL 15 here has no pgvector package) span vectors are ranked by the exact numpy path.
The pgvector path itself cannot run here; its SQL is in `search/pgvector.py`, documented in
`docs/search.md`."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import Harness
from tests.search.test_search import search
from tests.search.test_semantic import seeded, use_provider

from tracehouse.search import pgvector, vectors

pytestmark = pytest.mark.anyio


async def test_the_probe_reads_what_the_database_has(th: Harness) -> None:
    db = th.app.state.runtime.db
    with db.writer.begin() as conn:
        if conn.dialect.name == "sqlite":
            assert not pgvector.probe(conn) and not pgvector.serves(conn)
            return
        assert pgvector.has_extension(conn, "plpgsql")
        assert pgvector.offers_extension(conn, "plpgsql")
        assert not pgvector.has_extension(conn, "no_such_extension")
        assert not pgvector.offers_extension(conn, "no_such_extension")
        offered = pgvector.offers_extension(conn, pgvector.EXTENSION)
        if offered:
            pytest.skip("this PostgreSQL offers pgvector: the fallback cannot be shown here")
        assert not pgvector.probe(conn)
        assert not pgvector.serves(conn)  # no side table was made


async def test_without_pgvector_semantic_search_ranks_in_numpy(
    th: Harness, openai_url: str
) -> None:
    await use_provider(th, openai_url)
    await seeded(th)
    db = th.app.state.runtime.db
    with db.writer.begin() as conn:
        if pgvector.offers_extension(conn, pgvector.EXTENSION) if not db.is_sqlite else False:
            pytest.skip("this PostgreSQL offers pgvector")
        assert pgvector.enable(conn) is False  # what the embedding passes decided
    body = await search(th, query="sql socket deadline", mode="semantic")
    assert body["meta"]["mode"] == "semantic" and body["data"][0]["trace_id"] == "db"
    copies = vectors._copies[db.reader]
    assert any(copy.size for copy in copies.values())  # the in-process copy answered


def test_vectors_are_written_in_pgvectors_text_form() -> None:
    vector = np.array([0.5, -0.25, 1e-07], dtype=np.float32)
    assert pgvector.literal(vector) == "[0.5,-0.25,1.0000000116860974e-07]"
