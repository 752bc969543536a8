"""Monitors: the background worker picks each new matching trace exactly once, skips test-key
traces and judge traces, samples at the rate; triggers by hand; concurrent passes never claim
a trace twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.evals.conftest import provider, trace, wait_run

from tracehouse.evaluations import monitors

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def setup(ev: Harness, **monitor: Any) -> dict[str, Any]:
    await ev.client.post(
        "/api/v1/evaluators",
        json={"name": "json", "config": {"kind": "code", "rule": "json_valid"}},
        headers=ev.auth,
    )
    body = {"name": "watch", "evaluatorIds": ["json"], "delaySeconds": 0, **monitor}
    response = await ev.client.post("/api/v1/evaluations/monitors", json=body, headers=ev.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_test_key(ev: Harness) -> dict[str, str]:
    """The auth header of a new test key of the main project."""
    token = await ev.admin_token()
    projects = (await ev.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    key = await ev.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    return {"X-API-Key": key.json()["secret_key"]}


async def settled(ev: Harness, claimed: int) -> list[dict[str, Any]]:
    """Wait until the monitor claimed `claimed` traces and every run it queued finished."""
    for _ in range(400):
        monitor = (
            await ev.client.get("/api/v1/evaluations/monitors/watch", headers=ev.auth)
        ).json()
        runs = (
            await ev.client.get(
                "/api/v1/evaluations/runs", params={"monitor_id": monitor["id"]}, headers=ev.auth
            )
        ).json()["data"]
        busy = [r for r in runs if r["status"] in ("queued", "running")]
        if monitor["traces_claimed"] >= claimed and not busy:
            assert monitor["traces_claimed"] == claimed
            return list(runs)
        await asyncio.sleep(0.05)
    raise AssertionError(f"monitor did not settle at {claimed}: {monitor}")


async def eval_scores(ev: Harness, trace_id: str) -> list[dict[str, Any]]:
    response = await ev.client.get(
        "/api/v1/scores", params={"trace_id": trace_id, "source": "eval"}, headers=ev.auth
    )
    return list(response.json()["data"])


async def test_monitor_picks_each_new_matching_trace_once(ev: Harness) -> None:
    await trace(ev, "before", name="qa")
    await setup(ev, filter={"name": "qa"})
    await trace(ev, "m1", name="qa", output='{"a": 1}')
    await trace(ev, "m2", name="qa", output="plain")
    await trace(ev, "other", name="chat")
    await trace(ev, "from-test-key", name="qa", auth=await new_test_key(ev))
    runs = await settled(ev, 2)
    assert all(r["status"] == "succeeded" for r in runs)
    assert [s["value"] for s in await eval_scores(ev, "m1")] == [1.0]
    assert [s["value"] for s in await eval_scores(ev, "m2")] == [0.0]
    for skipped in ("before", "other", "from-test-key"):
        assert await eval_scores(ev, skipped) == []
    await trace(ev, "m3", name="qa")
    trigger = await ev.client.post("/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth)
    assert trigger.status_code == 202, trigger.text
    await settled(ev, 3)
    again = await ev.client.post("/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth)
    assert again.json()["run_id"] is None and again.json()["traces_claimed"] == 0
    await asyncio.sleep(0.5)  # several more worker passes: nothing is picked twice
    await settled(ev, 3)
    for trace_id in ("m1", "m2", "m3"):
        assert len(await eval_scores(ev, trace_id)) == 1


async def test_sampling_and_disable(ev: Harness) -> None:
    await setup(ev, samplingRate=0.0)
    await trace(ev, "z1")
    trigger = await ev.client.post("/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth)
    assert trigger.json()["traces_claimed"] == 0
    patched = await ev.client.patch(
        "/api/v1/evaluations/monitors/watch",
        json={"samplingRate": 1.0, "enabled": False},
        headers=ev.auth,
    )
    assert patched.json()["sampling_rate"] == 1.0 and patched.json()["enabled"] is False
    await trace(ev, "z2")
    await asyncio.sleep(0.3)  # disabled: the worker leaves it alone
    assert await eval_scores(ev, "z2") == []
    trigger = await ev.client.post("/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth)
    assert trigger.json()["traces_claimed"] == 1  # z1 was sampled out for good; z2 is new
    await wait_run(ev, trigger.json()["run_id"])
    assert len(await eval_scores(ev, "z2")) == 1 and await eval_scores(ev, "z1") == []


async def test_judge_traces_are_never_monitored(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await provider(ev, llm_url, maxRetries=0)
    await ev.client.post(
        "/api/v1/evaluators",
        json={
            "name": "judge",
            "config": {"kind": "llm_judge", "template": "relevance", "provider": "fake"},
        },
        headers=ev.auth,
    )
    response = await ev.client.post(
        "/api/v1/evaluations/monitors",
        json={"name": "watch", "evaluatorIds": ["judge"], "delaySeconds": 0},
        headers=ev.auth,
    )
    assert response.status_code == 201
    script.reset(("reply", '{"reasoning": "on topic", "score": 1}'))
    await trace(ev, "j1")
    await settled(ev, 1)
    await asyncio.sleep(0.5)
    await settled(ev, 1)  # the judge's own trace was not picked up
    [score] = await eval_scores(ev, "j1")
    judge_trace = score["metadata"]["judge_trace_id"]
    assert (
        await ev.client.get(f"/api/v1/traces/{judge_trace}", headers=ev.auth)
    ).status_code == 200
    assert len(script.requests) == 1


async def test_concurrent_passes_claim_disjoint_sets(ev: Harness) -> None:
    monitor = await setup(ev, enabled=False)
    for i in range(30):
        await trace(ev, f"c{i}")
    rt = ev.app.state.runtime
    project_rowid = (
        rt.db.reader.connect()
        .__enter__()
        .exec_driver_sql("SELECT project_rowid FROM monitors")
        .scalar_one()
    )
    results = await asyncio.gather(
        *(asyncio.to_thread(monitors.scan, rt, project_rowid, monitor["id"]) for _ in range(4))
    )
    assert sum(r["traces_claimed"] for r in results) == 30
    run_ids = [r["run_id"] for r in results if r["run_id"]]
    targets: list[str] = []
    for run_id in run_ids:
        targets += (await wait_run(ev, run_id))["target_ids"]
    assert sorted(targets) == sorted(f"c{i}" for i in range(30))


async def test_trigger_rate_limit_and_validation(ev: Harness) -> None:
    await setup(ev)
    missing = await ev.client.post("/api/v1/evaluations/monitors/nope/trigger", headers=ev.auth)
    assert missing.status_code == 404
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 60:
        response = await ev.client.post(
            "/api/v1/evaluations/monitors/watch/trigger", headers=ev.auth
        )
        statuses.append(response.status_code)
    # the 404 above counted too: 10 calls a minute in all
    assert statuses[:9] == [202] * 9 and statuses[-1] == 429
    bad = await ev.client.post(
        "/api/v1/evaluations/monitors",
        json={"name": "bad", "evaluatorIds": ["json"], "filter": {"status": "nope"}},
        headers=ev.auth,
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
