"""Two server processes writing one trace at the same time (PostgreSQL, where several processes
can each have a writer): neither update is lost. SQLite has one writer at a time by its lock."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import make_settings

from tracehouse.bootstrap import bootstrap
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.shipping import shipment_of
from tracehouse.records import Batch, ObservationRecord, TraceRecord, Usage
from tracehouse.store.engine import Database, open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import projects, traces

T0 = 1_790_000_000_000_000


def _batch(span: str, tag: str, model: str, start: int) -> Batch:
    trace = TraceRecord(id="shared-trace", tags=[tag], metadata={tag: True})
    generation = ObservationRecord(
        id=span,
        trace_id="shared-trace",
        model=model,
        start_time=start,
        end_time=start + 1_000_000,
        usage=Usage(input_tokens=10, output_tokens=5),
    )
    return Batch(traces=[trace], observations=[generation])


def test_concurrent_writers_of_one_trace_lose_nothing(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings("postgres", tmp_path, request)
    upgrade(settings)
    first, second = open_database(settings), open_database(settings)
    bootstrap(first.writer, settings)
    with first.reader.connect() as conn:
        project = conn.execute(select(projects.c.project_rowid)).scalar_one()
    pricer = make_pricer([])

    def write(database: Database, batch: Batch) -> None:
        with database.writer.begin() as conn:
            apply_batch(conn, project, shipment_of(batch, T0), is_test=False, pricer=pricer, now=T0)

    # The first writer has written its span but not committed when the second one starts.
    conn = first.writer.connect()
    transaction = conn.begin()
    apply_batch(
        conn,
        project,
        shipment_of(_batch("span-a", "from-a", "gpt-4o", T0), T0),
        is_test=False,
        pricer=pricer,
        now=T0,
    )
    other = threading.Thread(
        target=write, args=(second, _batch("span-b", "from-b", "claude-3-5-sonnet", T0 + 5))
    )
    other.start()
    time.sleep(0.5)
    assert other.is_alive(), "the second writer should wait for the first one's transaction"
    transaction.commit()
    conn.close()
    other.join(timeout=10)
    assert not other.is_alive()

    with first.reader.connect() as conn:
        row = conn.execute(select(traces).where(traces.c.id == "shared-trace")).mappings().one()
    assert sorted(json.loads(row["tags"])) == ["from-a", "from-b"]
    assert json.loads(row["metadata"]) == {"from-a": True, "from-b": True}
    assert sorted(json.loads(row["models"])) == ["claude-3-5-sonnet", "gpt-4o"]
    assert row["observation_count"] == 2
    assert row["total_tokens"] == 30
    first.dispose()
    second.dispose()
