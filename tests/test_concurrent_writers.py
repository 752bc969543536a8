"""Two server processes writing one trace at the same time (PostgreSQL, where several processes
can each have a writer): neither update is lost. SQLite has one writer at a time by its lock."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.analytics.test_rollup_deltas import assert_current
from tests.conftest import make_settings

from tracehouse.analytics import rollup, rollup_store
from tracehouse.bootstrap import bootstrap
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.shipping import shipment_of
from tracehouse.records import Batch, ObservationRecord, TraceRecord, Usage
from tracehouse.store.engine import Database, open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import projects, traces

T0 = 1_790_000_000_000_000
HOUR_US = 3_600_000_000


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


def test_concurrent_writers_and_compactions_keep_the_rollups_exact(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Four writers in two "processes" append roll-up changes for the same traces while a
    fifth compacts their days: every day still sums to its rebuild from the traces."""
    settings = make_settings("postgres", tmp_path, request)
    upgrade(settings)
    first, second = open_database(settings), open_database(settings)
    bootstrap(first.writer, settings)
    with first.reader.connect() as conn:
        project = conn.execute(select(projects.c.project_rowid)).scalar_one()
    pricer = make_pricer([])
    models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"]
    writing = threading.Event()
    writing.set()

    def write(database: Database, seed: int) -> None:
        rng = random.Random(seed)
        for n in range(25):
            picked = [rng.randrange(8) for _ in range(3)]
            records = [
                ObservationRecord(
                    id=f"w{seed}-{n}-{k}",
                    trace_id=f"trace-{trace}",
                    model=rng.choice(models),
                    level=rng.choice(["DEFAULT", "DEFAULT", "ERROR"]),
                    # trace i around T0 + 6i hours: the traces span three days, and an
                    # earlier call can move one to the day before
                    start_time=T0 + trace * 6 * HOUR_US - rng.randrange(4 * HOUR_US),
                    end_time=T0 + trace * 6 * HOUR_US + rng.randrange(HOUR_US),
                    usage=Usage(input_tokens=rng.randrange(100), output_tokens=5),
                )
                for k, trace in enumerate(picked)
            ]
            starts = [TraceRecord(id=f"trace-{t}", start_time=T0 + t * 6 * HOUR_US) for t in picked]
            with database.writer.begin() as conn:
                shipment = shipment_of(Batch(traces=starts, observations=records), T0)
                apply_batch(conn, project, shipment, is_test=False, pricer=pricer, now=T0)

    def compact() -> None:
        while writing.is_set():
            with first.reader.connect() as conn:
                days = list(rollup_store.day_sizes(conn))
            for project_rowid, day in days:
                rollup.compact(second, project_rowid, day)

    writers = [
        threading.Thread(target=write, args=(db, seed))
        for seed, db in enumerate([first, second] * 2)
    ]
    compactor = threading.Thread(target=compact)
    for thread in [*writers, compactor]:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    compactor.join(timeout=60)
    assert assert_current(first) >= 2
    first.dispose()
    second.dispose()
