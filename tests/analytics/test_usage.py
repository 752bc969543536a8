"""GET /usage and /usage/daily, and 402 quota_exceeded over a plan's hard limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.analytics import dataset
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio
LIMITS = {
    "free": {"traces": 5, "observations": None, "api_requests": None},
    "pro": {"traces": None, "observations": 12, "api_requests": None},
    "enterprise": {"traces": None, "observations": None, "api_requests": None},
}


@pytest.fixture
async def th_limits(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    settings = make_settings(db_kind, tmp_path, request, plan_limits=LIMITS, usage_cache_seconds=0)
    async for harness in start(settings):
        yield harness


def this_month(count: int, prefix: str) -> list[dataset.Trace]:
    """`count` traces between the first of this month (UTC) and now."""
    now = datetime.now(UTC)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    step = (now - first - timedelta(seconds=5)) / (count + 1)
    return [dataset.make(f"{prefix}{i}-", 1, first + step * (i + 1))[0] for i in range(count)]


async def test_usage_this_month_and_daily(th_limits: Harness) -> None:
    th = th_limits
    traces = this_month(4, "m")
    await dataset.load(th.client, th.auth, traces)
    body = (await th.client.get("/api/v1/usage", headers=th.auth)).json()
    assert body["plan"] == "enterprise"
    used = body["usage"]
    assert used["traces"] == 4
    assert used["observations"] == sum(len(t.steps) for t in traces)
    assert used["tokens"] == sum(t.tokens for t in traces)
    assert used["cost"] == pytest.approx(sum(t.cost for t in traces))
    assert used["api_requests"] == 4 + 1  # the four writes and this read
    assert body["over_limit"] is False
    daily = (await th.client.get("/api/v1/usage/daily", headers=th.auth)).json()["data"]
    assert len(daily) == 30
    assert daily[-1]["date"] == datetime.now(UTC).date().isoformat()
    assert daily[-1]["api_requests"] == 4 + 2
    by_day = {d["date"]: d["traces"] for d in daily}
    for t in traces:
        assert by_day.get(t.start.date().isoformat(), 0) >= 1
    assert sum(d["traces"] for d in daily if d["date"] >= traces[0].start.date().isoformat()) == 4
    # Each day's figures, computed here from the traces of that day (by start time).
    for d in daily:
        that_day = [t for t in traces if t.start.date().isoformat() == d["date"]]
        assert d["traces"] == len(that_day)
        assert d["observations"] == sum(len(t.steps) for t in that_day)
        assert d["tokens"] == sum(t.tokens for t in that_day)
        assert d["cost"] == pytest.approx(sum(t.cost for t in that_day))


async def test_quota_exceeded(th_limits: Harness) -> None:
    th = th_limits
    _, free = await th.new_project("small", plan="free")
    traces = this_month(6, "q")
    await dataset.load(th.client, free, traces[:5])
    body = (await th.client.get("/api/v1/usage", headers=free)).json()
    traces_metric = next(m for m in body["metrics"] if m["metric"] == "traces")
    assert traces_metric == {
        "metric": "traces",
        "used": 5,
        "limit": 5,
        "remaining": 0,
        "percent": 100.0,
        "over_limit": True,
    }
    response = await th.client.post(
        "/api/v1/traces", json={"id": "one-more", "name": "x"}, headers=free
    )
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "quota_exceeded"
    # Reads still work, and other projects are not affected.
    assert (await th.client.get("/api/v1/analytics", headers=free)).status_code == 200
    ok = await th.client.post("/api/v1/traces", json={"id": "fine", "name": "x"}, headers=th.auth)
    assert ok.status_code == 201
    # OTLP is refused before its body is decoded: even an undecodable body gets the 402.
    otlp = await th.client.post(
        "/v1/traces",
        content=b"\x0a\xff",
        headers={**free, "Content-Type": "application/x-protobuf"},
    )
    assert otlp.status_code == 402
    assert otlp.json()["error"]["code"] == "quota_exceeded"
    # The Langfuse ingestion API too.
    event = {
        "id": "e-1",
        "type": "trace-create",
        "timestamp": datetime.now(UTC).isoformat(),
        "body": {"id": "lf-one-more", "name": "x"},
    }
    langfuse = await th.client.post("/api/public/ingestion", json={"batch": [event]}, headers=free)
    assert langfuse.status_code == 402
    assert langfuse.json()["error"]["code"] == "quota_exceeded"
