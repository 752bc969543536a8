"""Insights: drift tests, anomaly rules, failure clusters, root cause (rules and LLM)."""

from __future__ import annotations

import json
import logging
import statistics
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests import fake_openai
from tests.analytics import dataset
from tests.conftest import Harness, make_settings, start

from tracehouse.analytics.aggregate import TraceAgg
from tracehouse.insights import stats
from tracehouse.insights.anomalies import detect
from tracehouse.store.engine import open_database
from tracehouse.store.tables import llm_providers

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
END = dataset.T0 + timedelta(days=8)


def simple(tid: str, at: object, latency: float, cost: float, error: bool = False) -> dataset.Trace:
    assert isinstance(at, type(dataset.T0))
    trace = dataset.Trace(tid, "chat", "u", "prod", at, latency)
    end = at + timedelta(milliseconds=latency)
    trace.steps.append(
        dataset.Step(
            f"{tid}-g",
            "llm",
            "generation",
            at,
            end,
            model="gpt-4o",
            input_tokens=int(cost * 100_000),
            output_tokens=1,
            cost=cost,
        )
    )
    if error:
        trace.steps.append(
            dataset.Step(
                f"{tid}-e",
                "tool",
                "tool",
                at,
                at + timedelta(milliseconds=1),
                level="ERROR",
                message="boom",
            )
        )
    return trace


def mann_whitney_by_pairs(a: list[float], b: list[float]) -> tuple[float, float]:
    """U by counting pairs and the two-sided p (normal approximation, no ties)."""
    u = sum((y > x) + 0.5 * (y == x) for y in b for x in a)
    n1, n2 = len(a), len(b)
    z = (u - n1 * n2 / 2) / ((n1 * n2 * (n1 + n2 + 1) / 12) ** 0.5)
    return u, 2 * (1 - statistics.NormalDist().cdf(abs(z)))


def test_mann_whitney_with_ties() -> None:
    a = [1.0, 2.0, 2.0, 3.0, 5.0, 5.0]
    b = [2.0, 3.0, 4.0, 5.0, 6.0]
    result = stats.mann_whitney(a, b)
    assert result is not None
    assert result.statistic == sum((y > x) + 0.5 * (y == x) for y in b for x in a)
    # Swapping the samples mirrors U around n1*n2/2 and keeps the p-value.
    swapped = stats.mann_whitney(b, a)
    assert swapped is not None
    assert swapped.statistic == pytest.approx(len(a) * len(b) - result.statistic)
    assert swapped.p_value == pytest.approx(result.p_value)


async def test_drift(th: Harness) -> None:
    recent_start = END - timedelta(hours=24)
    base = [
        simple(
            f"b{k}",
            recent_start - timedelta(hours=5 * k + 1),
            1000 + 7 * k,
            0.010 + 0.0001 * k,
            error=k % 10 == 0,
        )
        for k in range(30)
    ]
    recent = [
        simple(
            f"r{k}",
            recent_start + timedelta(hours=k + 0.5),
            1010.5 + 13 * k,
            0.02 + 0.0001 * k,
            error=k % 3 == 0,
        )
        for k in range(12)
    ]
    await dataset.load(th.client, th.auth, base + recent)
    params = {"to": END.isoformat(), "recent_hours": 24, "baseline_days": 7}
    response = await th.client.get("/api/v1/insights/drift", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["baseline"]["traces"] == 30 and body["recent"]["traces"] == 12
    metrics = {m["metric"]: m for m in body["metrics"]}
    for name, value in (("cost", lambda t: t.cost), ("duration_ms", lambda t: t.latency_ms)):
        a, b = [value(t) for t in base], [value(t) for t in recent]
        u, p = mann_whitney_by_pairs(a, b)
        m = metrics[name]
        assert m["test"] == "mann_whitney_u"
        assert m["statistic"] == pytest.approx(u)
        assert m["p_value"] == pytest.approx(p, rel=1e-6, abs=1e-12)
        assert m["baseline_mean"] == pytest.approx(statistics.fmean(a))
        assert m["change_percent"] == pytest.approx(
            (statistics.fmean(b) - statistics.fmean(a)) / statistics.fmean(a) * 100
        )
    assert metrics["cost"]["significant"] is True  # every recent trace costs more
    # Error rate: 3/30 against 4/12, two-proportion z-test.
    x1, n1, x2, n2 = 3, 30, 4, 12
    pooled = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)) ** 0.5
    err = metrics["error_rate"]
    assert err["test"] == "two_proportion_z"
    assert err["z"] == pytest.approx(z)
    assert err["p_value"] == pytest.approx(2 * (1 - statistics.NormalDist().cdf(abs(z))))
    assert "cost" in body["drifted"]


async def test_anomalies(th: Harness) -> None:
    window_start = END - timedelta(hours=6)
    # Baseline: one trace every 2 hours for 7 days, $0.01, 1000 ms, no errors (0.5 traces/h).
    base = [
        simple(f"b{k}", window_start - timedelta(hours=2 * k + 1), 1000, 0.01) for k in range(84)
    ]
    # Window: 6 traces, $0.04 each (+300%: high), 1600 ms (+60%: low), 3 failed (+50 points:
    # critical); 1 trace per hour is more than before, so no volume drop.
    recent = [
        simple(f"r{k}", window_start + timedelta(minutes=50 * k + 5), 1600, 0.04, error=k < 3)
        for k in range(6)
    ]
    await dataset.load(th.client, th.auth, base + recent)
    params = {"to": END.isoformat(), "window_hours": 6}
    body = (
        await th.client.get("/api/v1/insights/anomalies", params=params, headers=th.auth)
    ).json()
    assert body["baseline_traces"] == 84 and body["recent_traces"] == 6
    found = {a["type"]: a for a in body["anomalies"]}
    assert set(found) == {"cost_spike", "latency_spike", "error_spike"}
    assert found["cost_spike"]["severity"] == "high"
    assert found["cost_spike"]["change_percent"] == pytest.approx(300)
    assert found["cost_spike"]["baseline"] == pytest.approx(0.01)
    assert found["latency_spike"]["severity"] == "low"
    assert found["error_spike"]["severity"] == "critical"
    assert found["error_spike"]["current"] == pytest.approx(0.5)

    # Another project: the same baseline, then a single trace in the window: traffic fell from
    # 0.5 to 1/6 per hour (-66.7%: low); too few traces to judge spikes.
    _, other = await th.new_project("quiet")
    await dataset.load(th.client, other, [*base, recent[3]])
    body = (await th.client.get("/api/v1/insights/anomalies", params=params, headers=other)).json()
    assert [(a["type"], a["severity"]) for a in body["anomalies"]] == [("volume_drop", "low")]
    assert body["anomalies"][0]["change_percent"] == pytest.approx(-(1 - (1 / 6) / 0.5) * 100)


async def test_failure_clusters(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    response = await th.client.get(
        "/api/v1/insights/failures", params=dataset.window(), headers=th.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    failed = [t for t in traces if t.status == "error"]
    rate = [t for t in failed if "Rate limit" in (t.steps[1].message or "")]
    timeout = [t for t in failed if t not in rate]
    assert body["failed_traces"] == len(failed)
    clusters = body["clusters"]
    assert [c["pattern"] for c in clusters] == [
        "Timeout after <n> s calling <str> (request <id>)",
        "Rate limit <n> for key <str> on tool search_web",
    ]
    assert [c["count"] for c in clusters] == [len(timeout), len(rate)] == [4, 2]
    first = clusters[0]
    assert first["first_seen"].startswith(min(t.start for t in timeout).strftime("%Y-%m-%dT%H:%M"))
    assert first["last_seen"].startswith(max(t.start for t in timeout).strftime("%Y-%m-%dT%H:%M"))
    newest = sorted(timeout, key=lambda t: t.start, reverse=True)
    assert first["example_trace_ids"] == [t.id for t in newest]
    assert first["failed_steps"] == [{"step": "tool: search_web", "count": 4}]


async def test_root_cause_rules(th: Harness) -> None:
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    target = traces[14]  # a timeout of search_web, retried once
    response = await th.client.post(
        "/api/v1/insights/root-cause", json={"traceId": target.id}, headers=th.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "rules"
    a = body["analysis"]
    assert a["failed_step"] == "tool: search_web"
    assert a["failed_observation_id"] == f"{target.id}-tool"
    assert a["error"] == target.steps[1].message
    assert target.steps[1].message in a["root_cause"]
    assert any("retried 1 time" in f for f in a["contributing_factors"])
    assert "timeout" in a["suggested_fix"].lower()
    assert a["confidence"] == 0.8

    ok = await th.client.post(
        "/api/v1/insights/root-cause", json={"trace_id": traces[1].id}, headers=th.auth
    )
    assert ok.json()["analysis"]["failed_step"] is None
    _, other = await th.new_project("elsewhere")
    hidden = await th.client.post(
        "/api/v1/insights/root-cause", json={"trace_id": target.id}, headers=other
    )
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"
    # No TRACEHOUSE_SECRET_KEY: the server's generated secret encrypts the key instead.
    generated = await th.client.put(
        "/api/v1/insights/provider",
        json={"base_url": "http://127.0.0.1:1/v1", "model": "m", "api_key": "k-never-shown"},
        headers=th.auth,
    )
    assert generated.status_code in (200, 204), generated.text
    shown = await th.client.get("/api/v1/insights/provider", headers=th.auth)
    assert shown.status_code == 200
    assert "k-never-shown" not in shown.text


@pytest.fixture
async def th_secret(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    settings = make_settings(db_kind, tmp_path, request, secret_key="server-secret-for-tests")
    async for harness in start(settings):
        yield harness


async def test_root_cause_llm(th_secret: Harness, caplog: pytest.LogCaptureFixture) -> None:
    th = th_secret
    caplog.set_level(logging.DEBUG)
    key = "sk-provider-key-0123456789"
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    with fake_openai.fake_openai() as base_url:
        put = await th.client.put(
            "/api/v1/insights/provider",
            json={"baseUrl": base_url, "model": "gpt-4o-mini", "apiKey": key},
            headers=th.auth,
        )
        assert put.status_code == 200, put.text
        assert put.json()["api_key_hint"] == "…6789"
        assert key not in put.text
        response = await th.client.post(
            "/api/v1/insights/root-cause", json={"trace_id": traces[7].id}, headers=th.auth
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["source"] == "llm"
        assert body["model"] == "gpt-4o-mini"
        # The fake model answers in prose: that is the root cause; the rest comes from the rules.
        assert body["analysis"]["root_cause"] == fake_openai.ANSWER
        assert body["analysis"]["failed_step"] == "tool: search_web"

        broken = await th.client.put(
            "/api/v1/insights/provider",
            json={"base_url": "http://127.0.0.1:1/v1", "model": "m", "api_key": key},
            headers=th.auth,
        )
        assert broken.status_code == 200
        fallback = (
            await th.client.post(
                "/api/v1/insights/root-cause", json={"trace_id": traces[7].id}, headers=th.auth
            )
        ).json()
        assert fallback["source"] == "rules"
        assert fallback["fallback_reason"] == "LLM provider failed: ConnectError"
        assert fallback["analysis"]["failed_step"] == "tool: search_web"
    db = open_database(th.settings)
    with db.reader.connect() as conn:
        stored = conn.execute(select(llm_providers.c.api_key_encrypted)).scalar_one()
    db.dispose()
    assert key not in stored
    assert key not in caplog.text
    deleted = await th.client.delete("/api/v1/insights/provider", headers=th.auth)
    assert deleted.status_code == 204
    assert (await th.client.get("/api/v1/insights/provider", headers=th.auth)).status_code == 404


STRUCTURED = {
    "root_cause": "search_web timed out calling api-7, so the agent had no results.",
    "failed_step": "tool: search_web",
    "contributing_factors": ["no retry on the tool", "30 s timeout too short"],
    "suggested_fix": "Retry search_web with backoff and raise its timeout.",
    "confidence": 0.85,
}


async def _root_cause(th: Harness, trace_id: str) -> dict[str, Any]:
    response = await th.client.post(
        "/api/v1/insights/root-cause", json={"trace_id": trace_id}, headers=th.auth
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_root_cause_llm_structured_and_malformed(th_secret: Harness) -> None:
    th = th_secret
    traces = dataset.make()
    await dataset.load(th.client, th.auth, traces)
    target = traces[7]  # fails at search_web
    rules = (await _root_cause(th, target.id))["analysis"]  # no provider yet
    with fake_openai.fake_openai() as base_url:
        put = await th.client.put(
            "/api/v1/insights/provider",
            json={"base_url": base_url, "model": "gpt-4o-mini", "api_key": "sk-provider-0001"},
            headers=th.auth,
        )
        assert put.status_code == 200, put.text

        # The structured answer: every field arrives as the model gave it.
        fake_openai.SCRIPT.reset(("reply", json.dumps(STRUCTURED)))
        body = await _root_cause(th, target.id)
        assert body["source"] == "llm" and body["model"] == "gpt-4o-mini"
        assert body["llm_fields"] == list(STRUCTURED)
        assert "fallback_reason" not in body
        a = body["analysis"]
        assert {k: a[k] for k in STRUCTURED} == STRUCTURED
        # The rules' facts stay beside them.
        assert a["failed_observation_id"] == f"{target.id}-tool"
        assert a["error"] == target.steps[1].message
        [sent] = fake_openai.SCRIPT.requests
        assert sent["model"] == "gpt-4o-mini"
        assert sent["response_format"] == {"type": "json_object"}
        facts = json.loads(sent["messages"][1]["content"])
        assert facts["first_failing_step"] == "tool: search_web"
        assert any(s["level"] == "ERROR" for s in facts["steps"])

        # In a ```json fence, with a lone factor and a confidence out of range: normalised.
        fenced = {**STRUCTURED, "contributing_factors": "no retry", "confidence": 3}
        fake_openai.SCRIPT.reset(("reply", f"```json\n{json.dumps(fenced)}\n```"))
        a = (await _root_cause(th, target.id))["analysis"]
        assert a["contributing_factors"] == ["no retry"]
        assert a["confidence"] == 1.0
        assert a["root_cause"] == STRUCTURED["root_cause"]

        # Fields of the wrong type are left to the rules.
        partial = {"root_cause": "The tool timed out.", "confidence": "high", "failed_step": 3}
        fake_openai.SCRIPT.reset(("reply", json.dumps(partial)))
        body = await _root_cause(th, target.id)
        assert body["source"] == "llm" and body["llm_fields"] == ["root_cause"]
        assert body["analysis"] == {**rules, "root_cause": "The tool timed out."}

        # Malformed JSON (cut short), a JSON array, an empty answer, no usable field: the
        # rules' analysis, saying why.
        for answer, reason in (
            (json.dumps(STRUCTURED)[:60], "answer is not valid JSON"),
            ('["search_web"]', "answer is not a JSON object"),
            ("   ", "empty answer"),
            ('{"cause": "?"}', None),
        ):
            fake_openai.SCRIPT.reset(("reply", answer))
            body = await _root_cause(th, target.id)
            assert body["source"] == "rules", answer
            assert body["analysis"] == rules
            assert body["fallback_reason"] == (
                f"LLM provider failed: {reason}" if reason else "LLM answer had none of the fields"
            )
    fake_openai.SCRIPT.reset()


@pytest.mark.parametrize(
    ("recent", "expected"),
    [
        (60, None),
        (31, None),
        (30, "low"),
        (15, "medium"),
        (6, "high"),
        (1, "high"),
        (0, "critical"),
    ],
)
def test_volume_drop_severities(recent: int, expected: str | None) -> None:
    """A baseline of 10 traces an hour (1,680 in 7 days) against `recent` traces in 6 hours:
    falls of 50, 75, 90 and 100% are low, medium, high and critical (seed 002's levels)."""
    before = TraceAgg(traces=1680, latency_count=1680, latency_sum=1680.0, cost=1.68)
    after = TraceAgg(traces=recent, latency_count=recent, latency_sum=float(recent))
    found = [a for a in detect(before, after, 6, 168) if a["type"] == "volume_drop"]
    assert [a["severity"] for a in found] == ([expected] if expected else [])
    if found:
        assert found[0]["change_percent"] == pytest.approx((recent / 6 - 10) / 10 * 100)
