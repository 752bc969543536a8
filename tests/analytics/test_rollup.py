"""Long ranges read whole days from the daily roll-ups and the partial days from the base
tables; the roll-ups follow late updates, moved traces, deletes and retention purges."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.analytics import dataset, rollups
from tests.conftest import Harness

from tracehouse.jobs.retention import purge
from tracehouse.store.engine import open_database

pytestmark = pytest.mark.anyio


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """Reads from the roll-ups, rebuilt before each read (see tests/analytics/rollups.py)."""
    async for harness in rollups.harness(db_kind, tmp_path, request):
        yield harness


DAY = timedelta(days=1)
# From 12 hours before T0 to 60 hours after: two whole days (roll-ups) and two half days.
RANGE = dataset.window(dataset.T0 - 12 * dataset.HOUR, hours=72)


def everything() -> list[dataset.Trace]:
    return [
        *dataset.make(),
        *dataset.make("early", 6, dataset.T0 - 10 * dataset.HOUR),
        *dataset.make("late", 6, dataset.T0 + 2 * DAY + 3 * dataset.HOUR),
    ]


async def costs(th: Harness, auth: dict[str, str] | None = None) -> dict[str, float]:
    response = await th.client.get("/api/v1/analytics/costs", params=RANGE, headers=auth or th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    return {"total": body["total_cost"], **{m["model"]: m["cost"] for m in body["by_model"]}}


def expected(traces: list[dataset.Trace]) -> dict[str, float]:
    out: Counter[str] = Counter()
    for t in traces:
        out["total"] += t.cost  # type: ignore[assignment]
        for s in t.steps:
            if s.model:
                out[s.model] += s.cost  # type: ignore[assignment]
    return dict(out)


async def test_long_range_mixes_rollups_and_edges(th: Harness) -> None:
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    body = (await th.client.get("/api/v1/analytics", params=RANGE, headers=th.auth)).json()
    s = body["summary"]
    latencies = sorted(t.latency_ms for t in traces)
    assert body["percentiles"] == "sketch"
    assert s["total_traces"] == len(traces) == 52
    assert s["failed_traces"] == sum(t.status == "error" for t in traces)
    assert s["retries"] == sum(t.retried for t in traces)
    assert s["total_cost"] == pytest.approx(sum(t.cost for t in traces))
    assert s["average_latency"] == pytest.approx(statistics.fmean(latencies))
    # The latency sketch answers within 1% of the exact percentile.
    for q in (50, 95, 99):
        exact = statistics.quantiles(latencies, n=100, method="inclusive")[q - 1]
        assert s[f"p{q}_latency"] == pytest.approx(exact, rel=0.01)
    # Day buckets, aligned to UTC midnight: the first and last are partial.
    assert body["bucket_seconds"] == 86400
    days = Counter((t.start - dataset.T0).days for t in traces)
    assert [p["start"][:10] for p in body["charts"]] == [
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
    ]
    assert [p["traces"] for p in body["charts"]] == [days[-1], days[0], days[1], days[2]]
    models = Counter(s.model for t in traces for s in t.steps if s.model)
    assert {m["key"]: m["count"] for m in body["model_breakdown"]} == dict(models)
    users = Counter(t.user_id for t in traces)
    assert {u["key"]: u["count"] for u in body["user_breakdown"]} == dict(users)
    assert await costs(th) == pytest.approx(expected(traces))

    filtered = {**RANGE, "environment": "prod", "status": "error"}
    body = (await th.client.get("/api/v1/analytics", params=filtered, headers=th.auth)).json()
    chosen = [t for t in traces if t.environment == "prod" and t.status == "error"]
    assert body["summary"]["total_traces"] == len(chosen)
    assert body["summary"]["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    assert {u["key"]: u["count"] for u in body["user_breakdown"]} == dict(
        Counter(t.user_id for t in chosen)
    )


async def test_rollups_follow_updates_moves_and_deletes(th: Harness) -> None:
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    assert await costs(th) == pytest.approx(expected(traces))

    # Late usage: an observation of a day already rolled up gets a new cost.
    target = traces[3]
    patched = await th.client.patch(
        f"/api/v1/observations/{target.steps[0].id}",
        json={"cost": {"total": 1.25}},
        headers=th.auth,
    )
    assert patched.status_code == 200, patched.text
    target.steps[0].cost = 1.25
    assert await costs(th) == pytest.approx(expected(traces))

    # A trace moves a day earlier: an observation starting before it arrives later.
    moved = traces[10]
    early = moved.start - 8 * dataset.HOUR  # into the partial day before T0
    step = dataset.Step(
        "moved-early",
        "llm",
        "generation",
        early,
        early + timedelta(seconds=1),
        model="gpt-4o",
        input_tokens=1,
        output_tokens=1,
        cost=0.5,
    )
    body = {"trace_id": moved.id, **dataset.step_body(step)}
    assert (await th.client.post("/api/v1/observations", json=body, headers=th.auth)).is_success
    moved.steps.append(step)
    assert await costs(th) == pytest.approx(expected(traces))
    chart = (await th.client.get("/api/v1/analytics", params=RANGE, headers=th.auth)).json()
    per_day = Counter(min(s.start for s in t.steps).date().isoformat() for t in traces)
    assert {p["start"][:10]: p["traces"] for p in chart["charts"]} == {
        day: per_day.get(day, 0) for day in ("2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22")
    }

    # Deleted traces leave the roll-ups.
    for gone in (traces[0], traces[20]):
        deleted = await th.client.delete(f"/api/v1/traces/{gone.id}", headers=th.auth)
        assert deleted.status_code == 204
    left = [t for t in traces if t.id not in {traces[0].id, traces[20].id}]
    assert await costs(th) == pytest.approx(expected(left))


async def test_rollups_follow_retention_purge(th: Harness) -> None:
    _, test_key = await th.new_project("sandbox", environment="test")
    traces = everything()
    await dataset.load(th.client, test_key, traces)
    assert await costs(th, test_key) == pytest.approx(expected(traces))
    db = open_database(th.settings)
    try:
        far_future = 4_000_000_000_000_000
        purged = purge(db.writer, test_data_days=5, now=far_future)
    finally:
        db.dispose()
    assert purged.traces == len(traces)
    after = await costs(th, test_key)
    assert after == {"total": 0.0}


async def test_weekly_buckets_start_on_monday(th: Harness) -> None:
    traces = everything()
    await dataset.load(th.client, th.auth, traces)
    params = dataset.window(dataset.T0 - 40 * DAY, hours=24 * 70)  # 70 days: weekly buckets
    body = (await th.client.get("/api/v1/analytics", params=params, headers=th.auth)).json()
    assert body["bucket_seconds"] == 7 * 86400
    starts = [datetime.fromisoformat(p["start"]) for p in body["charts"]]
    assert all(s.weekday() == 0 and s.hour == 0 for s in starts)
    assert starts[0] <= dataset.T0 - 40 * DAY < starts[0] + 7 * DAY
    # 2026-11-20 is a Friday: everything falls in the weeks of Mon 16 and Mon 23 November.
    counts = {p["start"][:10]: p["traces"] for p in body["charts"] if p["traces"]}
    monday = dataset.T0 - 4 * DAY
    expected = Counter(
        (monday + 7 * DAY * ((t.start - monday) // (7 * DAY))).date().isoformat() for t in traces
    )
    assert counts == dict(expected)
    assert body["summary"]["total_traces"] == len(traces)
