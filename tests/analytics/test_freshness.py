"""Ingestion keeps the roll-ups current (tests/analytics/test_rollup_deltas.py); retention's
bulk deletions mark their days dirty instead. Reads never rebuild: a dirty day is read from the
traces while small, else served from its roll-up as of its first mark, the answer saying so.
The refresher job rebuilds quiet dirty days, one at a time and within its budget, and compacts
the days that appends have grown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import dataset, rollups
from tests.analytics.test_rollup import RANGE, everything, expected
from tests.conftest import Harness, make_settings, start

from tracehouse.analytics import rollup, rollup_store
from tracehouse.jobs.retention import purge
from tracehouse.jobs.rollups import (
    COMPACT_GROWTH,
    COMPACT_RUNAWAY,
    COMPACT_SLACK,
    Seen,
    _due,
    refresh_pass,
)

pytestmark = pytest.mark.anyio
CURRENT = {"current": True, "stale_days": []}
DAY = timedelta(days=1)


@pytest.fixture
async def th_stale(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """No dirty day is read live: each comes from its roll-up."""
    async for harness in start(make_settings(db_kind, tmp_path, request, analytics_live_traces=0)):
        yield harness


async def kept_project(th: Harness) -> tuple[dict[str, str], list[dataset.Trace]]:
    """A project keeping its data one day, loaded with `everything()`; returns its key."""
    _, key = await th.new_project("kept", retention_days=1)
    traces = everything()
    await dataset.load(th.client, key, traces)
    return key, traces


def expire(th: Harness, hours_after_t0: float, traces: list[dataset.Trace]) -> list[dataset.Trace]:
    """Run retention as if a day after T0 + `hours_after_t0`: the traces that started before
    then go. Returns those left."""
    cutoff = dataset.T0 + timedelta(hours=hours_after_t0)
    now = int((cutoff + DAY).timestamp() * 1_000_000)
    purged = purge(th.app.state.runtime.db.writer, test_data_days=30, now=now)
    left = [t for t in traces if t.start >= cutoff]
    assert purged.traces == len(traces) - len(left)
    return left


async def costs(th: Harness, key: dict[str, str]) -> dict[str, Any]:
    response = await th.client.get("/api/v1/analytics/costs", params=RANGE, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def totals(body: dict[str, Any]) -> dict[str, float]:
    return {"total": body["total_cost"], **{m["model"]: m["cost"] for m in body["by_model"]}}


def dirty(th: Harness) -> list[str]:
    """The dates of the dirty days, newest first."""
    with th.app.state.runtime.db.reader.connect() as conn:
        marks = rollup_store.all_dirty(conn)
    return [datetime.fromtimestamp(m.day / 1e6, UTC).date().isoformat() for m in marks]


async def test_small_dirty_days_are_read_from_the_traces(th: Harness) -> None:
    key, traces = await kept_project(th)
    left = expire(th, 12, traces)  # the early traces and the first half of T0's day
    assert dirty(th) == ["2026-11-20", "2026-11-19"]
    body = await costs(th, key)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(left))
    summary = (await th.client.get("/api/v1/analytics", params=RANGE, headers=key)).json()
    assert summary["freshness"] == CURRENT
    assert summary["summary"]["total_traces"] == len(left)
    assert len(dirty(th)) == 2  # the reads rebuilt nothing


async def test_dirty_days_come_from_their_rollup_as_of_the_mark(th_stale: Harness) -> None:
    th = th_stale
    key, traces = await kept_project(th)
    assert (await costs(th, key))["freshness"] == CURRENT  # appended at ingestion
    before = time.time()
    left = expire(th, 12, traces)
    body = await costs(th, key)
    # T0's day still counts its expired traces until rebuilt; the partial day is read live.
    [stale] = body["freshness"]["stale_days"]
    assert body["freshness"]["current"] is False and stale["date"] == "2026-11-20"
    assert datetime.fromisoformat(stale["rolled_up_at"]).timestamp() >= before - 1
    early = [t for t in traces if t.id.startswith("early")]
    assert body["total_cost"] == pytest.approx(
        sum(t.cost for t in traces) - sum(t.cost for t in early)
    )
    analytics = (await th.client.get("/api/v1/analytics", params=RANGE, headers=key)).json()
    assert analytics["freshness"] == body["freshness"]
    assert rollups.refresh(th) == 2
    body = await costs(th, key)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(left))


async def test_refresh_pass_waits_for_quiet_days_and_is_bounded(th_stale: Harness) -> None:
    th = th_stale
    key, traces = await kept_project(th)
    db = th.app.state.runtime.db
    left = expire(th, 12, traces)
    assert dirty(th) == ["2026-11-20", "2026-11-19"]
    seen = refresh_pass(db, Seen(), budget=60)  # first sight of every mark: nothing is quiet
    assert len(seen.marks) == 2 and dirty(th) == ["2026-11-20", "2026-11-19"]
    seen = refresh_pass(db, seen, budget=0)  # quiet; no budget: one day, the newest
    assert dirty(th) == ["2026-11-19"]
    # Another purge re-marks T0's day: it waits one more pass, the quiet day is rebuilt.
    left = expire(th, 13, left)
    seen = refresh_pass(db, seen, budget=60)
    assert dirty(th) == ["2026-11-20"]
    assert refresh_pass(db, seen, budget=60).marks == {}
    body = await costs(th, key)
    assert body["freshness"] == CURRENT
    assert totals(body) == pytest.approx(expected(left))


async def test_refresh_pass_compacts_days_once_appends_stop(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    traces = [*everything(), *dataset.make("more", 40, dataset.T0 + 30 * dataset.HOUR)]
    await dataset.load(th.client, th.auth, traces)  # one batch a trace: rows appended per trace
    db = th.app.state.runtime.db
    with db.reader.connect() as conn:
        grown = rollup_store.day_sizes(conn)
        groups = rollup_store.day_groups(conn)
    assert max(grown.values()) > COMPACT_SLACK
    already = {m: n for m, n in grown.items() if groups[m] == n}  # one row per group
    assert already != grown
    before = await costs(th, th.auth)
    seen = refresh_pass(db, Seen(), budget=60)  # first sight: appends may still be going on
    assert seen.compacted == already and seen.sizes == grown
    seen = refresh_pass(db, seen, budget=60)  # no change since: compact the grown days
    with db.reader.connect() as conn:
        compacted = rollup_store.day_sizes(conn)
    big = {m: n for m, n in compacted.items() if grown[m] > COMPACT_SLACK}
    assert seen.compacted == {**already, **big}
    assert all(compacted[m] < n for m, n in grown.items() if n > COMPACT_SLACK)
    after = await costs(th, th.auth)
    assert totals(before) == pytest.approx(expected(traces))
    assert totals(after) == pytest.approx(expected(traces))
    assert refresh_pass(db, seen, budget=60).compacted == seen.compacted  # nothing grew since

    # A restart: the days left compact are not compacted again.
    calls: list[object] = []
    monkeypatch.setattr(rollup, "compact", lambda *args: calls.append(args))
    fresh = refresh_pass(db, refresh_pass(db, Seen(), budget=60), budget=60)
    assert calls == [] and fresh.compacted == {**already, **big}


def test_compaction_waits_for_appends_to_stop_unless_a_day_runs_away() -> None:
    day = (1, 0)
    busy = Seen(compacted={day: 100}, sizes={day: 500})
    assert not _due(day, {day: 600}, busy)  # still growing
    assert _due(day, {day: 500}, busy)  # quiet since the last pass
    assert not _due(day, {day: 100 + COMPACT_SLACK}, Seen({}, {day: 100}, {day: 164}))  # small
    runaway = COMPACT_GROWTH * 100 + COMPACT_RUNAWAY + 1
    assert _due(day, {day: runaway}, busy)  # growing, but manyfold


async def test_refresher_job_rebuilds_once_writes_go_quiet(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(
        db_kind, tmp_path, request, analytics_live_traces=0, analytics_refresh_seconds=0.05
    )
    async for th in start(settings):
        key, traces = await kept_project(th)
        left = expire(th, 12, traces)
        deadline = time.monotonic() + 30
        while dirty(th) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert dirty(th) == []
        body = await costs(th, key)
        assert body["freshness"] == CURRENT
        assert totals(body) == pytest.approx(expected(left))
