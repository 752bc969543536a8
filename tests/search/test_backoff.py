"""The indexer backs off while ingestion is busy: it runs only once the app's own writer has
had nothing queued and committed nothing for `QUIET_SECONDS` (or once per `STARVED_SECONDS`)."""

from __future__ import annotations

import time

import pytest
from tests.conftest import Harness
from tests.search.test_search import agent_trace, post_traces

from tracehouse.jobs.search_index import QUIET_SECONDS, STARVED_SECONDS, ingestion_quiet

pytestmark = pytest.mark.anyio


async def test_a_commit_of_ingestion_makes_the_writer_busy_for_a_while(th: Harness) -> None:
    writer = th.app.state.runtime.writer
    await post_traces(th, agent_trace("t1"))  # committed through the app's writer
    now = time.monotonic()
    assert writer.pending == 0 and writer.last_commit <= now
    assert not ingestion_quiet(writer, now)
    assert not ingestion_quiet(writer, writer.last_commit + QUIET_SECONDS - 0.01)
    assert ingestion_quiet(writer, writer.last_commit + QUIET_SECONDS)
    assert STARVED_SECONDS > QUIET_SECONDS


async def test_queued_records_keep_the_writer_busy(th: Harness) -> None:
    writer = th.app.state.runtime.writer
    later = time.monotonic() + 10 * QUIET_SECONDS
    writer._pending += 1  # a batch waiting for its commit
    try:
        assert not ingestion_quiet(writer, later)
    finally:
        writer._pending -= 1
    assert ingestion_quiet(writer, later)
