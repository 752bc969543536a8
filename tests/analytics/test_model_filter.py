"""The `model` filter over long ranges: whole days from the roll-ups' per-model rows, the partial
days from the base tables; the figures equal those computed here from the dataset, also after
late updates (a trace starts using a model, a call's cost changes) and deletes."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import dataset, rollups
from tests.analytics.test_rollup import RANGE, everything
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """Reads from the roll-ups, rebuilt before each read (see tests/analytics/rollups.py)."""
    async for harness in rollups.harness(db_kind, tmp_path, request):
        yield harness


DAYS = ("2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22")


def second_model(trace: dataset.Trace, model: str, cost: float) -> dataset.Step:
    """A call of `model` inside the trace's span (its latency and start stay the same)."""
    at = trace.start + timedelta(milliseconds=1)
    return dataset.Step(
        f"{trace.id}-{model}",
        "llm-2",
        "generation",
        at,
        at + timedelta(milliseconds=1),
        model=model,
        input_tokens=7,
        output_tokens=3,
        cost=cost,
    )


def uses(trace: dataset.Trace, model: str) -> bool:
    return any(s.model == model for s in trace.steps)


async def check(th: Harness, traces: list[dataset.Trace], model: str) -> None:
    chosen = [t for t in traces if uses(t, model)]
    params = {**RANGE, "model": model}
    response = await th.client.get("/api/v1/analytics", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    s = body["summary"]
    # The whole days come from the roll-ups (ClickHouse's own too): percentiles from sketches.
    assert body["percentiles"] == "sketch"
    assert s["total_traces"] == len(chosen)
    assert s["failed_traces"] == sum(t.status == "error" for t in chosen)
    assert s["warning_traces"] == sum(t.status == "warning" for t in chosen)
    assert s["retries"] == sum(t.retried for t in chosen)
    assert s["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    assert s["total_tokens"] == sum(t.tokens for t in chosen)
    latencies = sorted(t.latency_ms for t in chosen)
    assert s["average_latency"] == pytest.approx(statistics.fmean(latencies))
    exact = statistics.quantiles(latencies, n=100, method="inclusive")[49]
    assert s["p50_latency"] == pytest.approx(exact, rel=0.01)
    per_day = Counter(t.start.date().isoformat() for t in chosen)
    assert {p["start"][:10]: p["traces"] for p in body["charts"]} == {
        day: per_day.get(day, 0) for day in DAYS
    }
    # The models of the traces using `model`: traces once per model, and their calls.
    traces_per = Counter(m for t in chosen for m in {st.model for st in t.steps if st.model})
    calls = Counter(st.model for t in chosen for st in t.steps if st.model)
    assert {m["key"]: (m["count"], m["calls"]) for m in body["model_breakdown"]} == {
        m: (traces_per[m], calls[m]) for m in traces_per
    }
    assert {u["key"]: u["count"] for u in body["user_breakdown"]} == dict(
        Counter(t.user_id for t in chosen)
    )
    assert {e["key"]: e["count"] for e in body["environment_breakdown"]} == dict(
        Counter(t.environment for t in chosen)
    )

    failures = await th.client.get("/api/v1/failures", params=params, headers=th.auth)
    totals = failures.json()["totals"]
    assert totals["failed_traces"] == s["failed_traces"]
    assert totals["retries"] == s["retries"]

    costs: dict[str, Any] = (
        await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)
    ).json()
    assert costs["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    by_model = Counter[str]()
    for t in chosen:
        for st in t.steps:
            if st.model:
                by_model[st.model] += st.cost  # type: ignore[assignment]
    assert {m["model"]: m["cost"] for m in costs["by_model"]} == pytest.approx(dict(by_model))

    # The same answer as the base tables alone (hourly buckets never use the roll-ups).
    hourly = {**dataset.window(dataset.T0 - 12 * dataset.HOUR, hours=48), "model": model}
    base = (await th.client.get("/api/v1/analytics", params=hourly, headers=th.auth)).json()
    in_range = [t for t in chosen if t.start < dataset.T0 + 36 * dataset.HOUR]
    assert base["summary"]["total_traces"] == len(in_range)


async def test_model_filter_reads_rollups_and_follows_changes(th: Harness) -> None:
    traces = everything()
    # Some traces call both models (on whole days and on the partial days).
    for t in traces[5::6]:
        other = "gpt-4o" if uses(t, "gpt-4o-mini") else "gpt-4o-mini"
        t.steps.append(second_model(t, other, 0.25))
    await dataset.load(th.client, th.auth, traces)
    for model in dataset.MODELS:
        await check(th, traces, model)
    assert (
        await th.client.get("/api/v1/analytics", params={**RANGE, "model": "nope"}, headers=th.auth)
    ).json()["summary"]["total_traces"] == 0

    # Late: a trace of a rolled-up day starts using the other model.
    target = traces[12]
    assert dataset.T0 <= target.start < dataset.T0 + 2 * timedelta(days=1)
    other = "gpt-4o" if uses(target, "gpt-4o-mini") else "gpt-4o-mini"
    step = second_model(target, other, 0.75)
    body = {"trace_id": target.id, **dataset.step_body(step)}
    assert (await th.client.post("/api/v1/observations", json=body, headers=th.auth)).is_success
    target.steps.append(step)
    # Late usage: a call of a rolled-up day gets a new cost.
    late = traces[21]
    patched = await th.client.patch(
        f"/api/v1/observations/{late.steps[0].id}", json={"cost": {"total": 1.5}}, headers=th.auth
    )
    assert patched.status_code == 200, patched.text
    late.steps[0].cost = 1.5
    for model in dataset.MODELS:
        await check(th, traces, model)

    # Deleted traces leave the per-model rows too.
    gone = {traces[12].id, traces[30].id}
    for trace_id in gone:
        deleted = await th.client.delete(f"/api/v1/traces/{trace_id}", headers=th.auth)
        assert deleted.status_code == 204
    left = [t for t in traces if t.id not in gone]
    for model in dataset.MODELS:
        await check(th, left, model)
