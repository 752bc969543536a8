"""Analytic reads are bounded: a range longer than `analytics_max_range_days` answers 422, and
a read past `analytics_timeout_seconds` is stopped by the database and answers 503 with
`Retry-After`, while the server keeps answering everything else."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import text
from tests.conftest import Harness, make_settings, start

from tracehouse.store.engine import open_database

pytestmark = pytest.mark.anyio

T0_US = 1_795_000_000_000_000  # 2026-11-18 11:06 UTC
#: Less than a whole day: every read is from the traces (no roll-up days).
DAY = {"from": "2026-11-18T01:00:00Z", "to": "2026-11-18T23:00:00Z"}
#: Enough traces that reading them takes more than a millisecond on any machine.
BULK = 100_000
ANALYTIC_READS = (
    "/api/v1/analytics",
    "/api/v1/failures",
    "/api/v1/analytics/costs",
    "/api/v1/analytics/cost-intelligence",
    "/api/v1/insights/failures",
)


async def test_the_issue_range_answers_422_at_once(th: Harness) -> None:
    """From year 1 to 9999 cost 58.7 s of CPU with a read-only key; now it is refused."""
    span = {"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"}
    for path in ANALYTIC_READS:
        started = time.monotonic()
        response = await th.client.get(path, params=span, headers=th.auth)
        assert time.monotonic() - started < 5  # a guard against a stall, not a benchmark
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"][0]["field"] == "from"
        assert "366 days" in error["message"]


async def test_the_longest_range_is_accepted(th: Harness) -> None:
    longest = {"from": "2025-11-18T00:00:00Z", "to": "2026-11-19T00:00:00Z"}  # 366 days
    response = await th.client.get("/api/v1/analytics/costs", params=longest, headers=th.auth)
    assert response.status_code == 200, response.text
    assert len(response.json()["daily"]) == 366
    beyond = {**longest, "to": "2026-11-19T00:00:01Z"}
    response = await th.client.get("/api/v1/analytics/costs", params=beyond, headers=th.auth)
    assert response.status_code == 422


@pytest.fixture
async def limited(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The app with a 1 ms time limit on analytic reads, and `BULK` traces in one day."""
    settings = make_settings(db_kind, tmp_path, request, analytics_timeout_seconds=0.001)
    async for harness in start(settings):
        _bulk_insert(harness)
        yield harness


def _bulk_insert(th: Harness) -> None:
    insert = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        "INSERT INTO traces (project_rowid, id, name, session_id, status, start_time, end_time, "
        "latency_ms, created_at, updated_at) "
        "SELECT :p, 'bulk-' || i, 'job', 's-' || (i % 5000), 'ok', :t0 + i * 1000, "
        ":t0 + i * 1000 + 500000, 500.0, 0, 0 FROM n"
    )
    db = open_database(th.settings)
    try:
        with db.writer.begin() as conn:
            project = conn.execute(
                text("SELECT project_rowid FROM projects WHERE name = 'main'")
            ).scalar_one()
            conn.execute(insert, {"count": BULK, "p": project, "t0": T0_US})
    finally:
        db.dispose()


def _check_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert "time limit" in error["message"]
    assert response.headers["Retry-After"] == "1"


async def test_a_read_past_the_time_limit_answers_503(limited: Harness) -> None:
    th = limited
    for path in (*ANALYTIC_READS, "/api/v1/sessions", "/api/public/sessions"):
        params = DAY if path != "/api/public/sessions" else {}
        _check_unavailable(await th.client.get(path, params=params, headers=th.auth))
    # Without the limit the same reads answer: it is the limit that stopped them.
    th.settings.analytics_timeout_seconds = 0
    response = await th.client.get("/api/v1/analytics", params=DAY, headers=th.auth)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["total_traces"] == BULK
    sessions = await th.client.get("/api/v1/sessions", headers=th.auth)
    assert sessions.json()["meta"]["total_count"] == 5000


async def test_the_server_answers_while_analytic_reads_are_stopped(limited: Harness) -> None:
    th = limited
    _, other = await th.new_project("other")
    await th.client.post("/api/v1/traces", json={"id": "theirs"}, headers=other)
    answers: dict[str, Any] = {}

    async def get(name: str, path: str, headers: dict[str, str], params: Any = None) -> None:
        answers[name] = await th.client.get(path, params=params, headers=headers)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(get, f"heavy-{i}", ANALYTIC_READS[i % 3], th.auth, DAY)
            tg.start_soon(get, "health", "/health", {})
            tg.start_soon(get, "other", "/api/v1/traces", other)
    for i in range(4):
        _check_unavailable(answers[f"heavy-{i}"])
    assert answers["health"].status_code == 200
    assert [t["id"] for t in answers["other"].json()["data"]] == ["theirs"]
    # The connections the stopped reads used serve the next ones.
    traces = await th.client.get("/api/v1/traces", params={"limit": 1}, headers=th.auth)
    assert traces.status_code == 200
    assert traces.json()["data"][0]["id"] == f"bulk-{BULK}"
