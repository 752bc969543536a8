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
from tracehouse.jobs.statistics import analyze, analyzed_size
from tracehouse.records import Batch, ObservationRecord, TraceRecord
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import observations, traces


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
    analyze(db)
    with db.reader.connect() as conn:
        plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        rows = conn.execute(query).all()
    size = analyzed_size(db.reader)
    db.dispose()
    assert size == 3000  # a restarted job compares the data with this, not with nothing
    assert "trace_id" in plan, plan
    assert [r.id for r in rows] == [f"o{i}" for i in range(35, 40)]


def test_full_statistics_send_a_session_page_through_the_session_index(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A page of one session's traces, newest first (the failure lists' query): sampled
    statistics put a few hundred rows in a project, and the planner walked the project by
    time instead of reading the session's five traces."""
    settings = make_settings("sqlite", tmp_path, request)
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    batch = Batch(
        traces=[
            TraceRecord(id=f"t{i}", session_id=f"s{i // 5}", start_time=1_000_000 + i)
            for i in range(20_000)
        ]
    )
    with db.writer.begin() as conn:
        apply_batch(conn, 1, shipment_of(batch, 1), is_test=False, pricer=make_pricer([]), now=1)
    t = traces.c
    query = (
        select(t.id)
        .where(t.project_rowid == 1, t.session_id == "s7")
        .where(t.start_time >= 1_000_000, t.start_time < 2_000_000)
        .order_by(t.start_time.desc(), t.trace_rowid.desc())
        .limit(51)
    )
    sql = str(query.compile(compile_kwargs={"literal_binds": True}))
    assert analyzed_size(db.reader) == 0
    analyze(db)
    with db.reader.connect() as conn:
        plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        rows = conn.execute(query).scalars().all()
    size = analyzed_size(db.reader)
    db.dispose()
    assert "session_id" in plan, plan
    assert rows == [f"t{i}" for i in range(39, 34, -1)]
    assert size == 0  # no observations: the statistics were gathered over none
