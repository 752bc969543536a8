"""Traces and observations that used a skill version link to it (`tracehouse.skill` =
`name@version` in their metadata): the version's usage (traces, observations), cost and
scores, counted in the caller's project only; the SDK sets the link inside an observed run."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from tests.conftest import Harness, LiveServer

from tracehouse import sdk

pytestmark = pytest.mark.anyio


async def _post(th: Harness, path: str, body: Any, auth: Any = None) -> Any:
    response = await th.client.post(path, json=body, headers=auth or th.auth)
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def _trace(trace_id: str, cost: float, trace_meta: Any = None, obs_meta: Any = None) -> Any:
    return {
        "id": trace_id,
        "metadata": trace_meta,
        "observations": [
            {
                "id": f"{trace_id}-o",
                "type": "generation",
                "model": "m",
                "cost": {"total": cost},
                "metadata": obs_meta,
            }
        ],
    }


async def test_a_versions_usage_cost_and_scores(th: Harness) -> None:
    skill = await _post(th, "/api/v1/skills", {"name": "refunds", "body": "v1"})
    await th.client.patch(f"/api/v1/skills/{skill['id']}", json={"body": "v2"}, headers=th.auth)
    key = "tracehouse.skill"
    for trace in (
        _trace("a", 0.25, trace_meta={key: "refunds@1"}),
        _trace("b", 0.5, obs_meta={key: ["other@3", "refunds@1"]}),
        _trace("c", 1.0, obs_meta={key: "refunds@2"}),
        _trace("d", 2.0, obs_meta={"note": "refunds@1"}),  # not under the key: no link
        _trace("e", 4.0, obs_meta={key: "refunds@10"}),
    ):
        await _post(th, "/api/v1/traces", trace)
    for trace_id, value in (("a", 1.0), ("b", 0.0), ("c", 1.0)):
        score = {"traceId": trace_id, "name": "helpful", "value": value}
        await _post(th, "/api/v1/scores", score)
    url = f"/api/v1/skills/{skill['id']}/usage"
    one = (await th.client.get(url, params={"version": 1}, headers=th.auth)).json()
    assert one == {
        "reference": "refunds@1",
        "traces": 2,
        "observations": 1,
        "cost": pytest.approx(0.75),
        "scores": [{"name": "helpful", "count": 2, "average": 0.5}],
    }
    latest = (await th.client.get(url, headers=th.auth)).json()
    assert (latest["reference"], latest["traces"], latest["cost"]) == ("refunds@2", 1, 1.0)
    _, other_key = await th.new_project("other")
    assert (await th.client.get(url, headers=other_key)).status_code == 404
    missing = await th.client.get(url, params={"version": 9}, headers=th.auth)
    assert missing.status_code == 404


async def test_usage_counts_only_the_callers_project(th: Harness) -> None:
    org_skill = {"name": "shared", "body": "x", "scope": "organization"}
    token = {**await th.admin_token()}
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    skill = await _post(
        th, "/api/v1/skills", org_skill, {**token, "X-Project-ID": projects[0]["id"]}
    )
    _, other_key = await th.new_project("other")
    await _post(th, "/api/v1/traces", _trace("x", 1.0, {"tracehouse.skill": "shared@1"}), other_key)
    url = f"/api/v1/skills/{skill['id']}/usage"
    assert (await th.client.get(url, headers=th.auth)).json()["traces"] == 0
    assert (await th.client.get(url, headers=other_key)).json()["traces"] == 1


def test_the_sdk_links_the_observation_that_fetched_a_skill(live_server: LiveServer) -> None:
    name = f"triage-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{live_server.url}/api/v1/skills",
        json={"name": name, "body": "Sort by urgency."},
        headers=live_server.auth,
        timeout=10,
    ).json()
    client = sdk.Tracehouse(host=live_server.url, api_key=live_server.secret_key, timeout=5)
    try:
        with client.span("agent") as span:
            client.get_skill(name, label="latest")
            client.get_skill(name, label="latest")  # cached, linked once
        outside = client.get_skill(name, label="latest")  # no observation: nothing to link
        assert outside.version == 1
        client.flush()
        meta = span.fields["metadata"]
        assert meta == {"tracehouse.skill": f"{name}@1"}
    finally:
        client.shutdown(timeout=5)
    url = f"{live_server.url}/api/v1/skills/{created['id']}/usage"
    for _ in range(50):
        usage = httpx.get(url, headers=live_server.auth, timeout=10).json()
        if usage["traces"]:
            break
        time.sleep(0.1)
    assert (usage["traces"], usage["observations"]) == (1, 1)
