"""A ClickHouse store pointed at a scratch database of its own (dropped before and after), for
tests that build tables as an older version did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tracehouse.store.clickhouse import client, schema
from tracehouse.store.clickhouse.url import parse


@contextmanager
def scratch_store(url: str, layout: schema.Layout) -> Iterator[client.ClickHouse]:
    """The store, its layout `layout`, with `layout.database` dropped around the test."""
    store = client.open_clickhouse(parse(url), None, async_insert=False)
    store.layout = layout
    store.client.command(f"DROP DATABASE IF EXISTS `{layout.database}`")
    try:
        yield store
    finally:
        store.client.command(f"DROP DATABASE IF EXISTS `{layout.database}`")
        store.close()
