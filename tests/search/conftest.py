"""Fixtures of the search tests: the fake OpenAI-compatible server (its embeddings put similar
texts near each other), and ClickHouse's search tables emptied before each test on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.fake_openai import SCRIPT, fake_openai


@pytest.fixture
def openai_url() -> Iterator[str]:
    SCRIPT.reset()
    with fake_openai() as url:
        yield url


@pytest.fixture(autouse=True)
def _empty_search_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """The shared chDB directory's search tables are emptied after each test on it
    (`tests/conftest.py` empties the trace tables only), so no chunk outlives its test."""
    callspec = getattr(request.node, "callspec", None)
    on_clickhouse = callspec is not None and callspec.params.get("db_kind") == "clickhouse"
    url = request.getfixturevalue("clickhouse_url") if on_clickhouse else None
    yield
    if url is None:
        return
    from tracehouse.store.clickhouse import client, search_schema
    from tracehouse.store.clickhouse.url import parse

    store = client.open_clickhouse(parse(url), None, async_insert=False)
    try:
        for name in search_schema.TABLES:
            store.command(f"TRUNCATE TABLE IF EXISTS {store.layout.local(name)}")
    finally:
        store.close()
