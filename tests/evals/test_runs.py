"""Code rules, human annotation, sessions and dataset runs; trace-runs and session-runs (202,
served by the background worker); evaluations with criteria and run history; rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.evals.conftest import trace, wait_run

from tracehouse.clock import now_us
from tracehouse.evaluations import runs, store

pytestmark = pytest.mark.anyio


async def rule(ev: Harness, name: str, **config: Any) -> dict[str, Any]:
    body = {"name": name, "config": {"kind": "code", **config}}
    response = await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def scores_of(ev: Harness, **query: str) -> list[dict[str, Any]]:
    response = await ev.client.get("/api/v1/scores", params=query, headers=ev.auth)
    return list(response.json()["data"])


async def test_code_rules(ev: Harness) -> None:
    await rule(ev, "json", rule="json_valid")
    await rule(ev, "paris", rule="regex", pattern="^par", caseSensitive=False)
    await rule(ev, "has-x", rule="contains", value="x")
    await rule(ev, "short", rule="length", max=10)
    await rule(ev, "ctx", rule="contains", value="wiki", field="metadata.source")
    await trace(ev, "r1", metadata={"source": "wikipedia"})
    values = {}
    for name in ("json", "paris", "has-x", "short", "ctx"):
        response = await ev.client.post(
            f"/api/v1/evaluators/{name}/execute", json={"traceId": "r1"}, headers=ev.auth
        )
        values[name] = response.json()["results"][0]["value"]
    assert values == {"json": 0.0, "paris": 1.0, "has-x": 0.0, "short": 1.0, "ctx": 1.0}
    scores = await scores_of(ev, trace_id="r1", source="eval")
    assert len(scores) == 5 and {s["data_type"] for s in scores} == {"BOOLEAN"}
    invalid = await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "r", "config": {"kind": "code", "rule": "regex"}},
        headers=ev.auth,
    )
    assert invalid.status_code == 422


async def test_observation_session_and_dataset_run_targets(ev: Harness) -> None:
    await rule(ev, "fast", rule="latency", max=5000)
    await trace(
        ev,
        "s1",
        sessionId="chat",
        observations=[
            {
                "id": "o1",
                "name": "step",
                "output": "ok",
                "startTime": "2026-11-27T00:00:00Z",
                "endTime": "2026-11-27T00:00:01Z",
            }
        ],
    )
    await trace(ev, "s2", sessionId="chat")
    obs = await ev.client.post(
        "/api/v1/evaluators/fast/execute", json={"observationId": "o1"}, headers=ev.auth
    )
    assert obs.json()["results"][0]["value"] == 1.0
    [score] = await scores_of(ev, observation_id="o1")
    assert score["trace_id"] == "s1"
    session = await ev.client.post(
        "/api/v1/evaluators/fast/execute", json={"sessionId": "chat"}, headers=ev.auth
    )
    assert session.json()["status"] == "succeeded"
    assert (await scores_of(ev, session_id="chat"))[0]["source"] == "eval"
    missing = await ev.client.post(
        "/api/v1/evaluators/fast/execute", json={"sessionId": "nope"}, headers=ev.auth
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    two = await ev.client.post(
        "/api/v1/evaluators/fast/execute",
        json={"traceId": "s1", "sessionId": "chat"},
        headers=ev.auth,
    )
    assert two.status_code == 422
    await ev.client.post("/api/v1/datasets", json={"name": "qa"}, headers=ev.auth)
    item = await ev.client.post(
        "/api/v1/datasets/qa/items",
        json={"id": "i1", "input": "q", "expectedOutput": "Paris"},
        headers=ev.auth,
    )
    assert item.status_code in (200, 201), item.text
    created = await ev.client.post(
        "/api/v1/datasets/qa/runs", json={"name": "exp1"}, headers=ev.auth
    )
    assert created.status_code in (200, 201), created.text
    run_id = created.json()["id"]
    linked = await ev.client.post(
        "/api/v1/datasets/qa/runs/exp1/items",
        json={"datasetItemId": "i1", "traceId": "s2"},
        headers=ev.auth,
    )
    assert linked.status_code in (200, 201), linked.text
    await rule(ev, "expected", rule="contains", value="Par", field="expected_output")
    queued = await ev.client.post(
        "/api/v1/evaluators/expected/execute", json={"datasetRunId": run_id}, headers=ev.auth
    )
    assert queued.status_code == 202 and queued.json()["status"] == "queued"  # served later
    done = await wait_run(ev, queued.json()["id"])
    assert done["results"][0]["target_id"] == "s2"
    assert done["results"][0]["value"] == 1.0


async def test_human_annotation_queue(ev: Harness) -> None:
    queue = await ev.client.post(
        "/api/v1/annotation-queues",
        json={
            "name": "review",
            "scoreConfig": {"name": "quality", "dataType": "NUMERIC", "min": 1, "max": 5},
        },
        headers=ev.auth,
    )
    assert queue.status_code == 201, queue.text
    await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "human", "config": {"kind": "human", "queue": "review"}},
        headers=ev.auth,
    )
    await trace(ev, "h1")
    run = await ev.client.post(
        "/api/v1/evaluators/human/execute", json={"traceId": "h1"}, headers=ev.auth
    )
    assert run.json()["results"][0]["status"] == "queued"
    items = (await ev.client.get("/api/v1/annotation-queues/review/items", headers=ev.auth)).json()
    [item] = items["data"]
    assert item["trace_id"] == "h1" and item["status"] == "pending"
    path = f"/api/v1/annotation-queues/review/items/{item['id']}/complete"
    bad = await ev.client.post(path, json={"value": 9}, headers=ev.auth)
    assert bad.status_code == 400
    done = await ev.client.post(path, json={"value": 4, "author": "ann"}, headers=ev.auth)
    assert done.json()["status"] == "completed"
    again = await ev.client.post(path, json={"value": 4}, headers=ev.auth)
    assert again.status_code == 409
    [score] = await scores_of(ev, trace_id="h1")
    assert (score["source"], score["name"], score["value"]) == ("annotation", "quality", 4.0)


async def test_trace_runs_and_session_runs_are_served_in_the_background(ev: Harness) -> None:
    await rule(ev, "json", rule="json_valid")
    await trace(ev, "a", output='{"ok": true}', sessionId="s")
    await trace(ev, "b", output="not json")
    response = await ev.client.post(
        "/api/v1/evaluations/trace-runs",
        json={"traceIds": ["a", "b", "missing"], "evaluatorIds": ["json"]},
        headers=ev.auth,
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    run = await wait_run(ev, response.json()["id"])
    assert run["status"] == "partial"
    by_target = {r["target_id"]: r for r in run["results"]}
    assert by_target["a"]["value"] == 1.0 and by_target["b"]["value"] == 0.0
    assert by_target["missing"]["status"] == "error"
    sessions = await ev.client.post(
        "/api/v1/evaluations/session-runs",
        json={"sessionIds": ["s"], "evaluatorIds": ["json"]},
        headers=ev.auth,
    )
    assert sessions.status_code == 202
    assert (await wait_run(ev, sessions.json()["id"]))["status"] == "succeeded"
    unknown = await ev.client.post(
        "/api/v1/evaluations/trace-runs",
        json={"traceIds": ["a"], "evaluatorIds": ["nope"]},
        headers=ev.auth,
    )
    assert unknown.status_code == 404


async def test_evaluations_with_criteria_keep_run_history(ev: Harness) -> None:
    await rule(ev, "json", rule="json_valid")
    await rule(ev, "short", rule="length", max=100)
    created = await ev.client.post(
        "/api/v1/evaluations",
        json={"name": "release-gate", "criteria": ["json", "short"]},
        headers=ev.auth,
    )
    assert created.status_code == 201, created.text
    await trace(ev, "e1", output="{}")
    runs = []
    for _ in range(2):
        response = await ev.client.post(
            "/api/v1/evaluations/release-gate/run", json={"traceId": "e1"}, headers=ev.auth
        )
        assert response.status_code == 202, response.text
        runs.append(await wait_run(ev, response.json()["id"]))
    assert all(r["status"] == "succeeded" and len(r["results"]) == 2 for r in runs)
    body = (await ev.client.get("/api/v1/evaluations/release-gate", headers=ev.auth)).json()
    assert body["run_count"] == 2 and {r["id"] for r in body["runs"]} == {r["id"] for r in runs}
    assert len(body["criteria"]) == 2
    listed = (await ev.client.get("/api/v1/evaluations", headers=ev.auth)).json()
    assert listed["meta"]["total_count"] == 1
    gone = await ev.client.delete("/api/v1/evaluations/release-gate", headers=ev.auth)
    assert gone.status_code == 204


async def test_per_endpoint_rate_limit(ev: Harness) -> None:
    await rule(ev, "json", rule="json_valid")
    await trace(ev, "rl")
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 200:  # the bucket refills as time passes
        response = await ev.client.post(
            "/api/v1/evaluations/trace-runs",
            json={"traceIds": ["rl"], "evaluatorIds": ["json"]},
            headers=ev.auth,
        )
        statuses.append(response.status_code)
    assert statuses[:50] == [202] * 50
    assert statuses[-1] == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    other = await ev.client.get("/api/v1/evaluations/runs", headers=ev.auth)
    assert other.status_code == 200


async def test_abandoned_runs_are_claimed_again(ev: Harness) -> None:
    """A run left `running` by a process that died is taken over once it is stale."""
    await rule(ev, "json", rule="json_valid")
    await trace(ev, "ab", output="{}")
    rt = ev.app.state.runtime
    with rt.db.reader.connect() as conn:
        main = conn.exec_driver_sql("SELECT project_rowid FROM projects WHERE name = 'main'")
        scope = runs.scope_of(rt, {"project_rowid": main.scalar_one(), "is_test": False})
    row = runs.create_run(rt, scope, "trace", ["ab"], ["json"], status="running")
    with rt.db.writer.begin() as conn:
        assert store.claim_next(conn, "other", now_us()) is None  # still fresh: left alone
        stale = now_us() + store.STALE_US + 1
        claimed = store.claim_next(conn, "other", stale)
    assert claimed["id"] == row["id"] and claimed["attempts"] == 2
    await runs.process(rt, claimed)
    assert (await wait_run(ev, row["id"]))["status"] == "succeeded"
