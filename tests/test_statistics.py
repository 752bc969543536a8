"""Planner statistics on SQLite: after `analyze`, a trace's observations are read through the
trace-id index instead of scanning the project in start-time order."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import make_settings

from tracehouse.bootstrap import bootstrap
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.shipping import shipment_of
from tracehouse.jobs.statistics import analyze
from tracehouse.records import Batch, ObservationRecord
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import observations


def test_analyze_makes_one_trace_reads_use_the_trace_index(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings("sqlite", tmp_path, request)
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    batch = Batch(
        observations=[
            ObservationRecord(id=f"o{i}", trace_id=f"t{i // 5}", start_time=1_000_000 + i)
            for i in range(3000)
        ]
    )
    with db.writer.begin() as conn:
        apply_batch(conn, 1, shipment_of(batch, 1), is_test=False, pricer=make_pricer([]), now=1)
    query = (
        select(observations)
        .where(observations.c.project_rowid == 1, observations.c.trace_id == "t7")
        .order_by(observations.c.start_time, observations.c.observation_rowid)
    )
    sql = str(query.compile(compile_kwargs={"literal_binds": True}))
    analyze(db.writer)
    with db.reader.connect() as conn:
        plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        rows = conn.execute(query).all()
    db.dispose()
    assert "trace_id" in plan, plan
    assert [r.id for r in rows] == [f"o{i}" for i in range(35, 40)]
