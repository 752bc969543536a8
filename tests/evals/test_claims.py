"""Several workers (threads standing in for server processes, on one database) claim queued
runs concurrently: each run goes to exactly one of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Harness, make_settings, start

from tracehouse.clock import now_us
from tracehouse.evaluations import runs, store
from tracehouse.http.pagination import PageParams

pytestmark = pytest.mark.anyio


@pytest.fixture
async def idle(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The app with its own evaluation worker off, so only the test's workers claim."""
    settings = make_settings(db_kind, tmp_path, request, evaluation_interval_seconds=0)
    async for harness in start(settings):
        yield harness


def drain(rt: Any, worker: str) -> list[str]:
    claimed = []
    while True:
        with rt.db.writer.begin() as conn:
            run = store.claim_next(conn, worker, now_us())
        if run is None:
            return claimed
        assert run["claimed_by"] == worker and run["status"] == "running"
        claimed.append(run["id"])


async def test_each_run_is_claimed_once(idle: Harness) -> None:
    await idle.client.post(
        "/api/v1/evaluators",
        json={"name": "json", "config": {"kind": "code", "rule": "json_valid"}},
        headers=idle.auth,
    )
    ids = []
    for i in range(40):
        response = await idle.client.post(
            "/api/v1/evaluations/trace-runs",
            json={"traceIds": [f"t{i}"], "evaluatorIds": ["json"]},
            headers=idle.auth,
        )
        assert response.status_code == 202
        ids.append(response.json()["id"])
    rt = idle.app.state.runtime
    claims = await asyncio.gather(*(asyncio.to_thread(drain, rt, f"w{n}") for n in range(4)))
    everything = [run_id for claimed in claims for run_id in claimed]
    assert sorted(everything) == sorted(ids)  # all claimed, none twice
    body = runs.list_runs(
        rt,
        runs.scope_of(rt, {"project_rowid": _main(rt), "is_test": False}),
        PageParams(limit=200),
        status="queued",
    )
    assert body["meta"]["total_count"] == 0


def _main(rt: Any) -> int:
    with rt.db.reader.connect() as conn:
        result = conn.exec_driver_sql("SELECT project_rowid FROM projects WHERE name = 'main'")
        return int(result.scalar_one())
