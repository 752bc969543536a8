"""Overload: writes are refused at once (503 + Retry-After) when they would wait past the
budget, by the writer (records waiting times measured commit cost) and by the API in front of it
(writes in flight times measured completion interval); admitted ones still commit. The server's
own background writes (evaluation scores) wait instead."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send
from tests.conftest import Harness, make_settings, start

from tracehouse.errors import Unavailable
from tracehouse.evaluations import runs
from tracehouse.http.auth import ProjectScope
from tracehouse.http.shedding import WriteShedding
from tracehouse.ingest.admission import COLD_START, Admission, InFlight
from tracehouse.ingest.service import ingest
from tracehouse.projects.store import find_project
from tracehouse.records import Batch, ScoreRecord

pytestmark = pytest.mark.anyio


def test_the_expected_wait_is_what_waits_times_the_measured_cost_per_record() -> None:
    admission = Admission(budget_seconds=1.0)
    assert admission.admits(pending=10_000, size=10)  # nothing measured yet
    admission.observe(records=100, seconds=0.2)
    assert admission.seconds_per_record == pytest.approx(0.002)
    assert admission.expected_wait(pending=400, size=100) == pytest.approx(1.0)
    assert admission.admits(pending=400, size=100)
    assert not admission.admits(pending=401, size=100)
    assert admission.admits(pending=0, size=10_000)  # an idle writer takes anything
    assert admission.retry_after(pending=1200) == 3


def test_the_cost_per_record_follows_bigger_groups_down() -> None:
    admission = Admission(budget_seconds=1.0)
    admission.observe(records=1, seconds=0.01)
    for _ in range(30):  # under load groups grow and each record costs less
        admission.observe(records=1000, seconds=0.2)
    assert admission.seconds_per_record == pytest.approx(0.0002, rel=0.1)
    assert admission.admits(pending=4000, size=500)


def test_in_flight_writes_are_admitted_while_they_would_finish_within_the_budget() -> None:
    gate = InFlight(budget_seconds=1.0)
    assert all(gate.enter(0.0) for _ in range(COLD_START))  # nothing measured: a few at once
    assert not gate.enter(0.0)
    for n in range(COLD_START):  # one completes every 0.25 s
        gate.leave(0.25 * (n + 1))
    assert gate.seconds_per_completion == pytest.approx(0.25)
    assert gate.in_flight == 0
    # Idle time does not count: after 100 s of nothing, the interval is still 0.25 s.
    assert gate.enter(100.0) and gate.enter(100.0) and gate.enter(100.0)
    assert gate.expected_wait() == pytest.approx(1.0)
    assert gate.enter(100.0)  # the fourth would finish in 1 s: admitted
    assert not gate.enter(100.0)  # the fifth in 1.25 s: refused
    assert gate.retry_after() == 2


async def test_the_api_refuses_a_write_at_once_while_writes_in_flight_would_make_it_wait() -> None:
    release = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    shedding = WriteShedding(slow, budget_seconds=1.0)
    transport = httpx.ASGITransport(app=shedding)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        first = asyncio.create_task(client.post("/api/v1/traces", json={}))
        while shedding.in_flight.in_flight == 0:
            await asyncio.sleep(0.01)
        shedding.in_flight.seconds_per_completion = 5.0  # as measured on a saturated server
        refused = await asyncio.wait_for(client.post("/api/v1/traces", json={}), 5)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "10"
        error = refused.json()["error"]
        assert error["code"] == "unavailable"
        assert error["details"] == {"expected_wait_seconds": 10.0, "retry_after": 10}
        release.set()
        assert (await first).status_code == 201
        assert (await client.get("/api/v1/traces")).status_code == 201  # reads pass through


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_a_saturated_writer_answers_503_with_retry_after_at_once(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(db_kind, tmp_path, request, write_wait_budget_seconds=0.5)
    async for th in start(settings):
        await _saturate(th)


async def _saturate(th: Harness) -> None:
    writer = th.app.state.runtime.writer
    held = threading.Event()
    # The writer's thread is busy (as in a long commit, but holding no database lock): what
    # is queued waits behind it.
    blocker = asyncio.get_running_loop().run_in_executor(writer._executor, held.wait)
    first = asyncio.create_task(
        th.client.post("/api/v1/traces", json={"id": "admitted"}, headers=th.auth)
    )
    while writer.pending < 1:
        await asyncio.sleep(0.01)
    writer.admission.observe(records=1, seconds=2.0)  # commits measured at 2 s a record
    try:
        refused = await asyncio.wait_for(
            th.client.post("/api/v1/traces", json={"id": "refused"}, headers=th.auth), 5
        )
    finally:
        held.set()
    await blocker
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "2"
    assert refused.json()["error"]["details"]["expected_wait_seconds"] == 4.0
    assert (await first).status_code == 201
    stored = await th.client.get("/api/v1/traces/admitted", headers=th.auth)
    assert stored.status_code == 200
    missing = await th.client.get("/api/v1/traces/refused", headers=th.auth)
    assert missing.status_code == 404


async def test_the_servers_own_background_writes_wait_instead_of_being_refused(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # An evaluation's score has no client to retry a 503: refused, the run would fail (as it
    # did on ClickHouse, where a commit takes long enough to trip the budget).
    async for th in start(make_settings("sqlite", tmp_path, request)):
        rt = th.app.state.runtime
        held = threading.Event()
        blocker = asyncio.get_running_loop().run_in_executor(rt.writer._executor, held.wait)
        first = asyncio.create_task(
            th.client.post("/api/v1/traces", json={"id": "judged"}, headers=th.auth)
        )
        while rt.writer.pending < 1:
            await asyncio.sleep(0.01)
        rt.writer.admission.observe(records=1, seconds=2.0)
        scope, score = _main_scope(rt), _eval_score("judged")
        try:
            with pytest.raises(Unavailable):
                await ingest(rt, scope, Batch(scores=[score]))
            background = asyncio.create_task(ingest(rt, scope, Batch(scores=[score]), shed=False))
            while rt.writer.pending < 2:  # queued behind the busy writer, not refused
                await asyncio.sleep(0.01)
        finally:
            held.set()
        await blocker
        await background
        assert (await first).status_code == 201
        scores = await th.client.get(
            "/api/v1/scores", params={"trace_id": "judged"}, headers=th.auth
        )
        assert [s["name"] for s in scores.json()["data"]] == ["json_valid"]


def _main_scope(rt: Any) -> ProjectScope:
    with rt.db.reader.connect() as conn:
        project = find_project(conn, name="main")
    return runs.scope_of(rt, {"project_rowid": project["project_rowid"], "is_test": False})


def _eval_score(trace_id: str) -> ScoreRecord:
    return ScoreRecord(
        id=f"eval-{trace_id}", name="json_valid", data_type="BOOLEAN", value=1.0, source="eval",
        trace_id=trace_id,
    )  # fmt: skip
