"""GET /api/v1/analytics and /api/v1/failures against a dataset whose answers are computed here."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import timedelta

import pytest
from tests.analytics import dataset
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def test_summary_charts_breakdowns(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    response = await th.client.get("/api/v1/analytics", params=dataset.window(), headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    s = body["summary"]
    latencies = [t.latency_ms for t in traces]
    failed = [t for t in traces if t.status == "error"]
    p95 = quantile(latencies, 95)
    assert s["total_traces"] == 40
    assert s["failed_traces"] == len(failed) == 6
    assert s["warning_traces"] == sum(t.status == "warning" for t in traces)
    assert s["success_rate"] == pytest.approx((40 - 6) / 40 * 100)
    assert s["average_latency"] == pytest.approx(statistics.fmean(latencies))
    assert s["p50_latency"] == pytest.approx(statistics.median(latencies))
    assert s["p95_latency"] == pytest.approx(p95)
    assert s["p99_latency"] == pytest.approx(quantile(latencies, 99))
    assert s["total_tokens"] == sum(t.tokens for t in traces)
    assert s["total_cost"] == pytest.approx(sum(t.cost for t in traces))
    assert s["retries"] == sum(t.retried for t in traces) == 3
    assert s["slow_requests"] == sum(v > p95 for v in latencies)
    assert body["slow_threshold"] == {"ms": pytest.approx(p95), "source": "p95"}

    # 48 hours: hourly buckets.
    assert body["bucket_seconds"] == 3600
    assert len(body["charts"]) == 48
    per_hour = Counter(int((t.start - dataset.T0) / dataset.HOUR) for t in traces)
    assert [p["traces"] for p in body["charts"]] == [per_hour.get(h, 0) for h in range(48)]
    tokens_hour: Counter[int] = Counter()
    for t in traces:
        tokens_hour[int((t.start - dataset.T0) / dataset.HOUR)] += t.tokens
    assert [p["tokens"] for p in body["charts"]] == [tokens_hour.get(h, 0) for h in range(48)]

    statuses = Counter(t.status for t in traces)
    assert {b["key"]: b["count"] for b in body["status_breakdown"]} == dict(statuses)
    models = Counter(s.model for t in traces for s in t.steps if s.model)
    assert {b["key"]: b["count"] for b in body["model_breakdown"]} == dict(models)
    envs = Counter(t.environment for t in traces)
    assert {b["key"]: b["count"] for b in body["environment_breakdown"]} == dict(envs)
    users = {b["key"]: b for b in body["user_breakdown"]}
    assert {k: v["count"] for k, v in users.items()} == dict(Counter(t.user_id for t in traces))
    u0 = [t for t in traces if t.user_id == "u0"]
    assert users["u0"]["cost"] == pytest.approx(sum(t.cost for t in u0))
    assert users["u0"]["failed"] == sum(t.status == "error" for t in u0)
    assert body["project_breakdown"][0]["count"] == 40

    newest_failed = sorted(failed, key=lambda t: t.start, reverse=True)
    recent = body["recent_failures"]
    assert [r["id"] for r in recent] == [t.id for t in newest_failed]
    first = recent[0]
    assert first["failed_step"]["name"] == "search_web"
    assert first["failed_step"]["message"] == newest_failed[0].steps[1].message


async def test_filters_and_range_apply(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    params = {**dataset.window(hours=12), "environment": "prod", "name": "chat"}
    body = (await th.client.get("/api/v1/analytics", params=params, headers=th.auth)).json()
    end = dataset.T0 + timedelta(hours=12)
    chosen = [t for t in traces if t.start < end and t.environment == "prod" and t.name == "chat"]
    assert body["summary"]["total_traces"] == len(chosen) > 0
    assert body["summary"]["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    # 12 hours: hourly buckets, 12 of them.
    assert len(body["charts"]) == 12

    narrow = {**dataset.window(hours=3)}
    body = (await th.client.get("/api/v1/analytics", params=narrow, headers=th.auth)).json()
    assert body["bucket_seconds"] == 300
    assert len(body["charts"]) == 36


async def test_failures_lists_are_paged(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    params = {**dataset.window(), "limit": 4}
    body = (await th.client.get("/api/v1/failures", params=params, headers=th.auth)).json()
    failed = sorted((t for t in traces if t.status == "error"), key=lambda t: t.start)[::-1]
    retried = [t for t in failed if t.retried]
    p95 = quantile([t.latency_ms for t in traces], 95)
    slow = sorted((t for t in traces if t.latency_ms > p95), key=lambda t: t.start)[::-1]
    assert body["totals"] == {
        "failed_traces": len(failed),
        "retries": len(retried),
        "slow_requests": len(slow),
    }
    assert [t["id"] for t in body["failed_traces"]["data"]] == [t.id for t in failed[:4]]
    assert [t["id"] for t in body["retries"]["data"]] == [t.id for t in retried]
    assert [t["id"] for t in body["slow_requests"]["data"]] == [t.id for t in slow[:4]]
    cursor = body["failed_traces"]["meta"]["next_cursor"]
    assert body["failed_traces"]["meta"]["has_more"] is True
    more = await th.client.get(
        "/api/v1/failures", params={**params, "kind": "failed", "cursor": cursor}, headers=th.auth
    )
    rest = more.json()
    assert "retries" not in rest
    assert [t["id"] for t in rest["failed_traces"]["data"]] == [t.id for t in failed[4:]]


async def test_project_slow_threshold(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    response = await th.client.put(
        "/api/v1/analytics/settings", json={"slowThresholdMs": 3000}, headers=th.auth
    )
    assert response.status_code == 200, response.text
    body = (
        await th.client.get("/api/v1/analytics", params=dataset.window(), headers=th.auth)
    ).json()
    assert body["slow_threshold"] == {"ms": 3000, "source": "project"}
    assert body["summary"]["slow_requests"] == sum(t.latency_ms > 3000 for t in traces)


async def test_project_scoping(th: Harness) -> None:
    await dataset.load(th.client, th.auth, dataset.make())
    _, other = await th.new_project("other")
    mine = dataset.make(prefix="o", count=5)
    await dataset.load(th.client, other, mine)
    paths = (
        "/api/v1/analytics",
        "/api/v1/failures",
        "/api/v1/analytics/costs",
        "/api/v1/analytics/cost-intelligence",
        "/api/v1/insights/failures",
    )
    for path in paths:
        response = await th.client.get(path, params=dataset.window(), headers=other)
        assert response.status_code == 200, response.text
        text = response.text
        assert '"t0' not in text, path
    body = (await th.client.get("/api/v1/analytics", params=dataset.window(), headers=other)).json()
    assert body["summary"]["total_traces"] == 5
    assert body["summary"]["total_cost"] == pytest.approx(sum(t.cost for t in mine))
    assert not math.isnan(body["summary"]["success_rate"])


async def test_bad_range_and_empty(th: Harness) -> None:
    bad = {"from": "2026-11-21T00:00:00Z", "to": "2026-11-20T00:00:00Z"}
    response = await th.client.get("/api/v1/analytics", params=bad, headers=th.auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    body = (
        await th.client.get("/api/v1/analytics", params=dataset.window(), headers=th.auth)
    ).json()
    assert body["summary"]["total_traces"] == 0
    assert body["summary"]["p95_latency"] is None
    assert body["summary"]["success_rate"] is None
    unauthorized = await th.client.get("/api/v1/analytics")
    assert unauthorized.status_code == 401


async def test_endpoints_in_openapi(th: Harness) -> None:
    paths = (await th.client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/analytics",
        "/api/v1/failures",
        "/api/v1/analytics/costs",
        "/api/v1/analytics/cost-intelligence",
        "/api/v1/analytics/settings",
        "/api/v1/usage",
        "/api/v1/usage/daily",
        "/api/v1/insights/drift",
        "/api/v1/insights/anomalies",
        "/api/v1/insights/failures",
        "/api/v1/insights/root-cause",
        "/api/v1/insights/provider",
    ):
        assert path in paths, path
    # The trace filters are documented parameters of the analytics endpoints.
    names = {p["name"] for p in paths["/api/v1/analytics"]["get"]["parameters"]}
    assert {"from", "to", "environment", "model", "tags", "has_error"} <= names
