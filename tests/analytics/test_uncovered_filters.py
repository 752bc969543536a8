"""Filters the roll-ups do not keep apart (tags, text, cost) over a range with whole days:
the server reads either the traces that meet them or, when those are more, the roll-ups less
the traces left out. Both ways must give the figures computed here from the dataset."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import dataset, rollups
from tests.analytics.test_rollup import RANGE, everything
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

SLOW_MS = 2500.0
Pick = Callable[[dataset.Trace], bool]


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """Reads from the roll-ups, rebuilt before each read (see tests/analytics/rollups.py)."""
    async for harness in rollups.harness(db_kind, tmp_path, request):
        yield harness


def tagged() -> list[dataset.Trace]:
    """The roll-up test's traces over four days; four in five tagged `common`, the others
    `rare`, every third `x` too."""
    traces = everything()
    for i, trace in enumerate(traces):
        trace.tags = ["common" if i % 5 else "rare", *(["x"] if i % 3 == 0 else [])]
    return traces


#: (query, the traces it keeps, how the server reads the roll-up days: "sketch" when it
#: takes the traces left out away from the roll-ups, "exact" when it reads those kept).
CASES: list[tuple[dict[str, Any], Pick, str]] = [
    ({"tags": "common"}, lambda t: "common" in t.tags, "sketch"),
    ({"tags": "rare"}, lambda t: "rare" in t.tags, "exact"),
    ({"tags": ["common", "x"]}, lambda t: {"common", "x"} <= set(t.tags), "exact"),
    ({"max_cost": 0.03}, lambda t: t.cost <= 0.03, "sketch"),
    ({"min_cost": 0.05}, lambda t: t.cost >= 0.05, "exact"),
    ({"q": "S"}, lambda t: "s" in t.name, "sketch"),
    ({"q": "chat"}, lambda t: t.name == "chat", "exact"),
    (
        {"environment": "prod", "tags": "common"},
        lambda t: t.environment == "prod" and "common" in t.tags,
        "sketch",
    ),
]


@pytest.mark.parametrize(
    ("query", "pick", "mode"), CASES, ids=lambda v: v.__name__ if callable(v) else str(v)
)
async def test_uncovered_filters_match_the_dataset(
    th: Harness, db_kind: str, query: dict[str, Any], pick: Pick, mode: str
) -> None:
    traces = tagged()
    await dataset.load(th.client, th.auth, traces)
    settings = {"slow_threshold_ms": SLOW_MS}
    put = await th.client.put("/api/v1/analytics/settings", json=settings, headers=th.auth)
    assert put.status_code == 200, put.text
    chosen = [t for t in traces if pick(t)]
    assert 0 < len(chosen) < len(traces)
    params = {**RANGE, **query}

    response = await th.client.get("/api/v1/analytics", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    # ClickHouse keeps no roll-ups: it reads every trace, its percentiles always exact.
    assert body["percentiles"] == ("exact" if db_kind == "clickhouse" else mode)
    _check_summary(body["summary"], chosen)
    _check_breakdowns(body, chosen)

    costs = (await th.client.get("/api/v1/analytics/costs", params=params, headers=th.auth)).json()
    assert costs["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    assert {m["model"]: m["cost"] for m in costs["by_model"]} == pytest.approx(_model_costs(chosen))
    by_user: Counter[str] = Counter()
    for t in chosen:
        by_user[t.user_id] += t.cost  # type: ignore[assignment]
    assert {u["user_id"]: u["cost"] for u in costs["by_user"]} == pytest.approx(dict(by_user))
    per_day = Counter(t.start.date().isoformat() for t in chosen)
    assert {d["date"]: d["traces"] for d in costs["daily"] if d["traces"]} == dict(per_day)

    failures = await th.client.get("/api/v1/failures", params=params, headers=th.auth)
    assert failures.json()["totals"] == {
        "failed_traces": sum(t.status == "error" for t in chosen),
        "retries": sum(t.retried for t in chosen),
        "slow_requests": sum(t.latency_ms > SLOW_MS for t in chosen),
    }


def _check_summary(s: dict[str, Any], chosen: list[dataset.Trace]) -> None:
    latencies = sorted(t.latency_ms for t in chosen)
    assert s["total_traces"] == len(chosen)
    assert s["failed_traces"] == sum(t.status == "error" for t in chosen)
    assert s["warning_traces"] == sum(t.status == "warning" for t in chosen)
    assert s["retries"] == sum(t.retried for t in chosen)
    assert s["slow_requests"] == sum(t.latency_ms > SLOW_MS for t in chosen)
    assert s["total_tokens"] == sum(t.tokens for t in chosen)
    assert s["total_cost"] == pytest.approx(sum(t.cost for t in chosen))
    assert s["average_latency"] == pytest.approx(statistics.fmean(latencies))
    # Exact, or within the latency sketch's 1%.
    exact = statistics.quantiles(latencies, n=100, method="inclusive")[49]
    assert s["p50_latency"] == pytest.approx(exact, rel=0.01)


def _check_breakdowns(body: dict[str, Any], chosen: list[dataset.Trace]) -> None:
    def counts(key: str) -> dict[str, int]:
        return {item["key"]: item["count"] for item in body[key]}

    assert counts("status_breakdown") == dict(Counter(t.status for t in chosen))
    assert counts("environment_breakdown") == dict(Counter(t.environment for t in chosen))
    assert counts("name_breakdown") == dict(Counter(t.name for t in chosen))
    assert counts("user_breakdown") == dict(Counter(t.user_id for t in chosen))
    models = Counter(s.model for t in chosen for s in t.steps if s.model)
    assert counts("model_breakdown") == dict(models)
    costs = {m["key"]: m["cost"] for m in body["model_breakdown"]}
    assert costs == pytest.approx(_model_costs(chosen))
    per_day = Counter(t.start.date().isoformat() for t in chosen)
    charted = {p["start"][:10]: p["traces"] for p in body["charts"] if p["traces"]}
    assert charted == dict(per_day)


def _model_costs(chosen: list[dataset.Trace]) -> dict[str, float]:
    out: Counter[str] = Counter()
    for t in chosen:
        for s in t.steps:
            if s.model:
                out[s.model] += s.cost  # type: ignore[assignment]
    return dict(out)
