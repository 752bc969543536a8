"""CI gates on SQLite and PostgreSQL: a run checked against the last passed run on the default
branch (its verdict: every gate, the regressed dataset items, the run's experiments), traces
adopted from their metadata, bad gates refused with nothing written, other projects' runs
unseen."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.versions.conftest import seed

pytestmark = pytest.mark.anyio
N = 20


async def _dataset_runs(th: Harness) -> None:
    items = [{"id": f"i-{k}", "input": {"q": k}} for k in range(N)]
    await th.client.post("/api/v1/datasets", json={"name": "qa"}, headers=th.auth)
    added = await th.client.post("/api/v1/datasets/qa/items", json=items, headers=th.auth)
    assert added.status_code == 201, added.text
    for run, prefix in (("base", "a"), ("pr", "b")):
        await th.client.post("/api/v1/datasets/qa/runs", json={"name": run}, headers=th.auth)
        for k in range(N):
            body = {"dataset_item_id": f"i-{k}", "trace_id": f"{prefix}-{k}"}
            linked = await th.client.post(
                f"/api/v1/datasets/qa/runs/{run}/items", json=body, headers=th.auth
            )
            assert linked.status_code == 201, linked.text


async def _run(th: Harness, branch: str, trace_ids: list[str], **fields: Any) -> str:
    body = {"provider": "github", "pipeline": "evals", "branch": branch,
            "trace_ids": trace_ids, **fields}  # fmt: skip
    created = await th.client.post("/api/v1/ci-runs", json=body, headers=th.auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _check(th: Harness, run_id: str, gates: list[dict[str, Any]], **extra: Any) -> Any:
    body = {"gates": gates, **extra}
    return await th.client.post(f"/api/v1/ci-runs/{run_id}/check", json=body, headers=th.auth)


GATES = [
    {"metric": "score:accuracy", "op": ">=", "value": -0.05, "baseline": True},
    {"metric": "latency_p95", "op": "<=", "value": 10, "baseline": True, "relative": True},
    {"metric": "error_rate", "op": "<=", "value": 0.6},
    {"metric": "cost_total", "op": "<=", "value": 1},
]


@pytest.mark.clickhouse
async def test_a_run_checked_against_the_last_passed_run_on_main(th: Harness) -> None:
    await seed(th, n=N)
    await _dataset_runs(th)
    base = await _run(th, "main", [f"a-{k}" for k in range(N)])
    first = await _check(th, base, GATES)
    assert first.status_code == 200, first.text
    assert first.json()["passed"] and first.json()["baseline_run_id"] is None
    assert first.json()["gates"][0]["reason"] == "no baseline figure: not checked"
    run = await _run(th, "feature", [f"b-{k}" for k in range(N // 2)], pull_request="42")
    tagged = [{"id": f"b-{k}", "metadata": {"tracehouse.ci_run_id": run}} for k in range(N // 2, N)]
    await th.client.post("/api/v1/traces/batch", json=tagged, headers=th.auth)

    response = await _check(th, run, GATES)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["passed"] is False and verdict["baseline_run_id"] == base
    assert (verdict["traces"], verdict["baseline_traces"]) == (N, N)
    by_gate = {g["gate"]: g for g in verdict["gates"]}
    accuracy = by_gate["score:accuracy >= baseline - 0.05"]
    assert not accuracy["passed"] and accuracy["significant"]
    assert accuracy["bound"] == pytest.approx(accuracy["baseline_value"] - 0.05)
    assert not by_gate["latency_p95 <= baseline + 10%"]["passed"]
    assert by_gate["error_rate <= 0.6"]["passed"] and by_gate["cost_total <= 1"]["passed"]
    regressed = {(r["dataset_item_id"], r["metric"]) for r in verdict["regressed"]}
    assert ("i-1", "error_rate") in regressed and ("i-0", "error_rate") not in regressed
    assert {("i-0", "score:accuracy"), ("i-19", "score:accuracy")} <= regressed
    assert [e["name"] for e in verdict["experiments"]] == ["pr"]
    stored = (await th.client.get(f"/api/v1/ci-runs/{run}", headers=th.auth)).json()
    assert stored["status"] == "failed" and stored["verdict"]["passed"] is False
    assert len(stored["trace_ids"]) == N  # the tagged traces are now the run's
    listed = await th.client.get("/api/v1/traces", params={"ci_run": run}, headers=th.auth)
    assert listed.json()["meta"]["total_count"] == N


async def test_significance_and_explicit_baseline(th: Harness) -> None:
    await seed(th, n=N)
    base = await _run(th, "release", [f"a-{k}" for k in range(N)], status="failed")
    run = await _run(th, "feature", [f"a-{k}" for k in range(5, 15)])  # the middle half
    gate = {"metric": "latency_mean", "op": "<=", "value": -1, "baseline": True,
            "significant": True}  # fmt: skip
    verdict = (await _check(th, run, [gate], baseline_run_id=base, finish=False)).json()
    assert verdict["baseline_run_id"] == base
    assert verdict["gates"][0]["passed"] and not verdict["gates"][0]["significant"]
    assert verdict["gates"][0]["reason"] == "beyond the bound, but not significant"
    stored = (await th.client.get(f"/api/v1/ci-runs/{run}", headers=th.auth)).json()
    assert stored["status"] == "running"  # finish=false


@pytest.mark.parametrize(
    ("gates", "extra", "status", "code"),
    [
        ([{"metric": "score:nope", "op": ">=", "value": 1}], {}, 400, "invalid_request"),
        ([{"metric": "happiness", "op": ">=", "value": 1}], {}, 422, "validation_error"),
        ([{"metric": "cost_total", "op": "=", "value": 1}], {}, 422, "validation_error"),
        ([], {}, 422, "validation_error"),
        ([{"metric": "error_rate", "op": "<=", "value": 0}], {"baseline_run_id": "x"}, 404,
         "not_found"),
    ],
    ids=["unknown-score", "unknown-metric", "unknown-op", "no-gates", "unknown-baseline"],
)  # fmt: skip
async def test_bad_gates_write_nothing(
    th: Harness, gates: list[Any], extra: dict[str, Any], status: int, code: str
) -> None:
    await seed(th, n=2)
    run = await _run(th, "feature", ["a-0"])
    response = await _check(th, run, gates, **extra)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    stored = (await th.client.get(f"/api/v1/ci-runs/{run}", headers=th.auth)).json()
    assert stored["verdict"] is None and stored["status"] == "running"


async def test_unknown_and_other_projects_runs(th: Harness) -> None:
    await seed(th, n=2)
    run = await _run(th, "feature", ["a-0"])
    gates = [{"metric": "error_rate", "op": "<=", "value": 0}]
    assert (await _check(th, "nope", gates)).status_code == 404
    _, other = await th.new_project("other")
    foreign = await th.client.post(
        f"/api/v1/ci-runs/{run}/check", json={"gates": gates}, headers=other
    )
    assert foreign.status_code == 404
    stored = (await th.client.get(f"/api/v1/ci-runs/{run}", headers=th.auth)).json()
    assert stored["verdict"] is None
