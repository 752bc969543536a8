"""GET /api/v1/analytics/costs and /cost-intelligence against independently computed answers."""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from tests.analytics import dataset
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def test_costs_by_model_user_day(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    response = await th.client.get(
        "/api/v1/analytics/costs", params=dataset.window(), headers=th.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_cost"] == pytest.approx(sum(t.cost for t in traces))
    assert body["total_tokens"] == sum(t.tokens for t in traces)
    calls = [s for t in traces for s in t.steps if s.model]
    by_model = {m["model"]: m for m in body["by_model"]}
    assert set(by_model) == set(dataset.MODELS)
    for model in dataset.MODELS:
        mine = [s for s in calls if s.model == model]
        row = by_model[model]
        assert row["calls"] == len(mine)
        assert row["input_tokens"] == sum(s.input_tokens for s in mine)
        assert row["output_tokens"] == sum(s.output_tokens for s in mine)
        assert row["total_tokens"] == sum(s.input_tokens + s.output_tokens for s in mine)
        assert row["cost"] == pytest.approx(sum(s.cost for s in mine))
        durations = [(s.end - s.start).total_seconds() * 1000 for s in mine]
        assert row["avg_duration_ms"] == pytest.approx(statistics.fmean(durations))
    # Most expensive first.
    assert [m["model"] for m in body["by_model"]] == ["gpt-4o", "gpt-4o-mini"]

    users: dict[str, float] = defaultdict(float)
    for t in traces:
        users[t.user_id] += t.cost
    assert {u["user_id"]: u["cost"] for u in body["by_user"]} == pytest.approx(dict(users))

    days: dict[str, float] = defaultdict(float)
    for t in traces:
        days[t.start.date().isoformat()] += t.cost
    assert [d["date"] for d in body["daily"]] == ["2026-11-20", "2026-11-21"]
    assert {d["date"]: d["cost"] for d in body["daily"]} == pytest.approx(dict(days))


async def test_cost_intelligence(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    response = await th.client.get(
        "/api/v1/analytics/cost-intelligence", params=dataset.window(), headers=th.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    features = {f["name"]: f for f in body["by_feature"]}
    for name in dataset.NAMES:
        mine = [t for t in traces if t.name == name]
        assert features[name]["count"] == len(mine)
        assert features[name]["total_cost"] == pytest.approx(sum(t.cost for t in mine))
        assert features[name]["avg_cost"] == pytest.approx(sum(t.cost for t in mine) / len(mine))
        assert features[name]["avg_duration_ms"] == pytest.approx(
            statistics.fmean(t.latency_ms for t in mine)
        )
    efficiency = {m["model"]: m for m in body["model_efficiency"]}
    big = [s for t in traces for s in t.steps if s.model == "gpt-4o"]
    small = [s for t in traces for s in t.steps if s.model == "gpt-4o-mini"]
    big_avg = sum(s.cost for s in big) / len(big)
    small_avg = sum(s.cost for s in small) / len(small)
    assert efficiency["gpt-4o"]["avg_cost_per_call"] == pytest.approx(big_avg)

    # Two days of data: savings scale by 30/2.
    recs = {r["type"]: r for r in body["recommendations"]}
    downgrade = recs["model_downgrade"]
    expected = 0.5 * len(big) * (big_avg - small_avg) * 30 / 2
    assert downgrade["estimated_monthly_savings"] == pytest.approx(expected, rel=1e-4)
    assert downgrade["evidence"]["model"] == "gpt-4o"
    assert downgrade["evidence"]["cheaper_model"] == "gpt-4o-mini"
    assert "gpt-4o" in downgrade["reasoning"]
    failed_cost = sum(t.cost for t in traces if t.status == "error")
    assert recs["reduce_failures"]["estimated_monthly_savings"] == pytest.approx(
        failed_cost * 15, rel=1e-4
    )
    # The three features cost about the same per trace: no feature is singled out.
    assert "optimize_feature" not in recs
    savings = [r["estimated_monthly_savings"] for r in body["recommendations"]]
    assert savings == sorted(savings, reverse=True)


async def test_costs_default_range_and_filters(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    params = {**dataset.window(), "user_id": "u1"}
    body = (await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)).json()
    mine = [t for t in traces if t.user_id == "u1"]
    assert body["total_cost"] == pytest.approx(sum(t.cost for t in mine))
    calls = [s for t in mine for s in t.steps if s.model]
    assert sum(m["calls"] for m in body["by_model"]) == len(calls)
    assert sum(m["cost"] for m in body["by_model"]) == pytest.approx(sum(s.cost for s in calls))


async def test_costs_with_model_filter(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    params = {**dataset.window(), "model": "gpt-4o"}
    body = (await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)).json()
    mine = [t for t in traces if any(s.model == "gpt-4o" for s in t.steps)]
    assert body["total_traces"] == len(mine)
    assert [m["model"] for m in body["by_model"]] == ["gpt-4o"]
    assert body["by_model"][0]["cost"] == pytest.approx(sum(t.cost for t in mine))
