"""Dataset runs are evaluated in the background like trace-runs and session-runs: 202 with a
run id, then status and results through `/evaluations/runs/{id}`."""

from __future__ import annotations

from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.evals.conftest import provider, trace, wait_run

pytestmark = pytest.mark.anyio


async def experiment(ev: Harness) -> str:
    """Dataset `qa` with three items, two of them answered (linked to traces) in run `exp1`."""
    assert (
        await ev.client.post("/api/v1/datasets", json={"name": "qa"}, headers=ev.auth)
    ).is_success
    for item_id, expected in (("i1", "Paris"), ("i2", "Rome"), ("i3", "Oslo")):
        response = await ev.client.post(
            "/api/v1/datasets/qa/items",
            json={"id": item_id, "input": "capital?", "expectedOutput": expected},
            headers=ev.auth,
        )
        assert response.is_success, response.text
    run = await ev.client.post("/api/v1/datasets/qa/runs", json={"name": "exp1"}, headers=ev.auth)
    assert run.is_success, run.text
    for item_id, trace_id, output in (("i1", "d1", "Paris"), ("i2", "d2", "Madrid")):
        await trace(ev, trace_id, output=output)
        linked = await ev.client.post(
            "/api/v1/datasets/qa/runs/exp1/items",
            json={"datasetItemId": item_id, "traceId": trace_id},
            headers=ev.auth,
        )
        assert linked.is_success, linked.text
    return str(run.json()["id"])


async def matches_expected(ev: Harness) -> None:
    body = {
        "name": "matches",
        "config": {"kind": "code", "rule": "regex", "pattern": "Paris", "field": "expected_output"},
    }
    assert (await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)).is_success


async def scores(ev: Harness, trace_id: str) -> list[dict[str, Any]]:
    response = await ev.client.get(
        "/api/v1/scores", params={"trace_id": trace_id, "source": "eval"}, headers=ev.auth
    )
    return list(response.json()["data"])


async def test_dataset_runs_are_queued_and_served_in_the_background(ev: Harness) -> None:
    run_id = await experiment(ev)
    await matches_expected(ev)
    response = await ev.client.post(
        "/api/v1/evaluations/dataset-runs",
        json={"datasetRunIds": [run_id], "evaluatorIds": ["matches"]},
        headers=ev.auth,
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["target_type"] == "dataset_run"
    assert queued["target_ids"] == [run_id]
    run = await wait_run(ev, queued["id"])
    assert run["status"] == "succeeded"
    values = {r["target_id"]: r["value"] for r in run["results"]}
    assert values == {"d1": 1.0, "d2": 0.0}  # the unanswered item i3 has no trace to score
    assert [s["value"] for s in await scores(ev, "d1")] == [1.0]
    assert [s["metadata"]["evaluation_run_id"] for s in await scores(ev, "d2")] == [run["id"]]
    listed = await ev.client.get(
        "/api/v1/evaluations/runs", params={"status": "succeeded"}, headers=ev.auth
    )
    assert [r["id"] for r in listed.json()["data"]] == [run["id"]]


async def test_execute_and_evaluations_queue_dataset_runs(ev: Harness) -> None:
    run_id = await experiment(ev)
    await matches_expected(ev)
    executed = await ev.client.post(
        "/api/v1/evaluators/matches/execute", json={"datasetRunId": run_id}, headers=ev.auth
    )
    assert executed.status_code == 202, executed.text
    assert executed.json()["status"] == "queued" and executed.json()["results"] == []
    assert len((await wait_run(ev, executed.json()["id"]))["results"]) == 2
    missing = await ev.client.post(
        "/api/v1/evaluators/matches/execute", json={"datasetRunId": "nope"}, headers=ev.auth
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    created = await ev.client.post(
        "/api/v1/evaluations", json={"name": "gate", "criteria": ["matches"]}, headers=ev.auth
    )
    assert created.status_code == 201, created.text
    gate = await ev.client.post(
        "/api/v1/evaluations/gate/run", json={"datasetRunIds": [run_id]}, headers=ev.auth
    )
    assert gate.status_code == 202, gate.text
    assert (await wait_run(ev, gate.json()["id"]))["status"] == "succeeded"
    both = await ev.client.post(
        "/api/v1/evaluations/gate/run",
        json={"datasetRunIds": [run_id], "traceIds": ["d1"]},
        headers=ev.auth,
    )
    assert both.status_code == 400 and both.json()["error"]["code"] == "invalid_request"
    unknown = await ev.client.post(
        "/api/v1/evaluations/dataset-runs",
        json={"datasetRunIds": ["nope"], "evaluationId": "gate"},
        headers=ev.auth,
    )
    assert unknown.status_code == 202
    failed = await wait_run(ev, unknown.json()["id"])
    assert failed["status"] == "failed" and "No dataset run" in failed["error"]


async def test_llm_judge_on_a_dataset_run(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    """The judge sees each item's expected output; its cost adds up in the run's summary."""
    run_id = await experiment(ev)
    await provider(ev, llm_url)
    body = {
        "name": "correct",
        "config": {"kind": "llm_judge", "template": "correctness", "provider": "fake"},
    }
    assert (await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)).is_success
    response = await ev.client.post(
        "/api/v1/evaluations/dataset-runs",
        json={"datasetRunIds": [run_id], "evaluatorIds": ["correct"]},
        headers=ev.auth,
    )
    assert response.status_code == 202, response.text
    run = await wait_run(ev, response.json()["id"])
    assert run["status"] == "succeeded" and len(run["results"]) == 2
    prompts = sorted(r["messages"][1]["content"] for r in script.requests)
    assert "Paris" in prompts[0] + prompts[1] and "Rome" in prompts[0] + prompts[1]
    costs = [r["cost"] for r in run["results"]]
    assert all(c is not None and c > 0 for c in costs)
    assert run["summary"]["judge_cost"] == pytest.approx(sum(costs))
    assert all(r["judge_trace_id"] for r in run["results"])
