"""Reads never rebuild roll-ups: a stale day is read from the traces while small, else served
from its last roll-up with the answer saying so; the refresher job rebuilds quiet days, one at
a time and within its budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import dataset, rollups
from tests.analytics.test_rollup import RANGE, everything, expected
from tests.conftest import Harness, make_settings, start

from tracehouse.analytics import rollup_store
from tracehouse.jobs.rollups import refresh_pass

pytestmark = pytest.mark.anyio
CURRENT = {"current": True, "stale_days": []}


@pytest.fixture
async def th_stale(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """No stale day is read live: each comes from its last roll-up (or counts as empty)."""
    async for harness in start(make_settings(db_kind, tmp_path, request, analytics_live_traces=0)):
        yield harness


async def costs(th: Harness) -> dict[str, Any]:
    response = await th.client.get("/api/v1/analytics/costs", params=RANGE, headers=th.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def totals(body: dict[str, Any]) -> dict[str, float]:
    return {"total": body["total_cost"], **{m["model"]: m["cost"] for m in body["by_model"]}}


def dirty(th: Harness) -> list[int]:
    with th.app.state.runtime.db.reader.connect() as conn:
        return [m.day for m in rollup_store.all_dirty(conn)]


async def test_small_stale_days_are_read_from_the_traces(th: Harness) -> None:
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    body = await costs(th)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(traces))
    summary = (await th.client.get("/api/v1/analytics", params=RANGE, headers=th.auth)).json()
    assert summary["freshness"] == CURRENT
    assert summary["summary"]["total_traces"] == len(traces)
    assert len(dirty(th)) == 4  # the read rebuilt nothing


async def test_stale_days_come_from_their_last_rollup(th_stale: Harness) -> None:
    th = th_stale
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    # Never rolled up: the whole days count as empty, and the answer says so.
    body = await costs(th)
    assert body["freshness"] == {
        "current": False,
        "stale_days": [
            {"date": "2026-11-20", "rolled_up_at": None},
            {"date": "2026-11-21", "rolled_up_at": None},
        ],
    }
    edges = [t for t in traces if t.id[0] in "el"]  # the early and late traces
    assert body["total_cost"] == pytest.approx(sum(t.cost for t in edges))
    assert rollups.refresh(th) == 4
    body = await costs(th)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(traces))

    # A late change to a rolled-up day: its old figures, marked stale, until the next refresh.
    before = totals(body)
    patched = await th.client.patch(
        f"/api/v1/observations/{traces[3].steps[0].id}",
        json={"cost": {"total": 1.25}},
        headers=th.auth,
    )
    assert patched.status_code == 200, patched.text
    traces[3].steps[0].cost = 1.25
    body = await costs(th)
    assert totals(body) == pytest.approx(before)
    assert body["freshness"]["current"] is False
    [stale] = body["freshness"]["stale_days"]
    assert stale["date"] == "2026-11-20" and stale["rolled_up_at"] is not None
    analytics = (await th.client.get("/api/v1/analytics", params=RANGE, headers=th.auth)).json()
    assert analytics["freshness"] == body["freshness"]
    assert rollups.refresh(th) == 1
    body = await costs(th)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(traces))


async def test_refresh_pass_waits_for_quiet_days_and_is_bounded(th_stale: Harness) -> None:
    th = th_stale
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    db = th.app.state.runtime.db
    days = dirty(th)
    assert len(days) == 4
    seen = refresh_pass(db, {}, budget=60)  # first sight of every mark: nothing is quiet yet
    assert len(seen) == 4 and dirty(th) == days
    seen = refresh_pass(db, seen, budget=0)  # quiet; no budget: one day, the newest
    assert dirty(th) == days[1:]
    # A write re-marks a day: it waits one more pass, the other quiet days are rebuilt.
    patched = await th.client.patch(
        f"/api/v1/observations/{traces[3].steps[0].id}",
        json={"cost": {"total": 1.25}},
        headers=th.auth,
    )
    assert patched.status_code == 200, patched.text
    traces[3].steps[0].cost = 1.25
    seen = refresh_pass(db, seen, budget=60)
    assert dirty(th) == [rollup_store.day_of(int(dataset.T0.timestamp() * 1_000_000))]
    assert refresh_pass(db, seen, budget=60) == {}
    body = await costs(th)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(traces))


async def test_refresher_job_rebuilds_once_writes_go_quiet(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(
        db_kind, tmp_path, request, analytics_live_traces=0, analytics_refresh_seconds=0.05
    )
    async for th in start(settings):
        traces = everything()
        await dataset.load(th.client, th.auth, traces)
        deadline = time.monotonic() + 30
        while dirty(th) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert dirty(th) == []
        body = await costs(th)
        assert body["freshness"] == CURRENT
        assert totals(body) == pytest.approx(expected(traces))
