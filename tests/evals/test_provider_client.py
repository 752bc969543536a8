"""The provider client against the local fake server, through judges executed over HTTP:
Anthropic's API with its own transient statuses, a timeout followed by a good answer, an
unreachable server; the judge's cost lands on its own trace and in the run."""

from __future__ import annotations

import json
import socket

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.evals.conftest import trace
from tests.evals.test_judges import execute, judge

pytestmark = pytest.mark.anyio

VERDICT = ("reply", json.dumps({"reasoning": "useful", "score": 0.5}))


async def credential(ev: Harness, **body: object) -> None:
    body = {"name": "fake", "apiKey": "sk-fake-judge-key-1234", **body}
    response = await ev.client.post("/api/v1/providers", json=body, headers=ev.auth)
    assert response.status_code == 201, response.text


async def test_anthropic_retries_overloaded_and_prices_the_judge(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await credential(ev, kind="anthropic", baseUrl=llm_url.removesuffix("/v1"), maxRetries=2)
    await judge(ev, model="claude-3-5-haiku-latest")
    await trace(ev, "a1")
    script.reset(("status", 529), ("status", 429), VERDICT)  # overloaded, rate limited, answer
    run = await execute(ev, "correct", traceId="a1")
    assert run["status"] == "succeeded", run
    assert [path for path, _ in script.calls] == ["/v1/messages"] * 3
    [result] = run["results"]
    assert result["value"] == 0.5
    judge_trace = (
        await ev.client.get(f"/api/v1/traces/{result['judge_trace_id']}", headers=ev.auth)
    ).json()
    assert judge_trace["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
    assert judge_trace["usage"]["output_tokens"] == fake_openai.COMPLETION_TOKENS
    assert judge_trace["cost"] > 0 and result["cost"] == pytest.approx(judge_trace["cost"])
    assert run["summary"]["judge_cost"] == pytest.approx(result["cost"])
    [score] = (
        await ev.client.get("/api/v1/scores", params={"trace_id": "a1"}, headers=ev.auth)
    ).json()["data"]
    assert score["metadata"]["judge_trace_id"] == judge_trace["id"]
    script.reset(("status", 401))
    refused = await execute(ev, "correct", traceId="a1")
    assert refused["status"] == "failed" and "HTTP 401" in refused["error"]
    assert len(script.requests) == 1 and "sk-fake-judge-key" not in json.dumps(refused)


async def test_a_timeout_then_an_answer_succeeds(
    ev: Harness, llm_url: str, script: fake_openai.Script
) -> None:
    await credential(ev, baseUrl=llm_url, maxRetries=1, timeoutSeconds=0.3)
    await judge(ev)
    await trace(ev, "t1")
    script.reset(("delay", 1.0), VERDICT)
    run = await execute(ev, "correct", traceId="t1")
    assert run["status"] == "succeeded" and run["results"][0]["value"] == 0.5
    assert len(script.requests) == 2
    observations = (
        await ev.client.get(
            "/api/v1/observations",
            params={"trace_id": run["results"][0]["judge_trace_id"]},
            headers=ev.auth,
        )
    ).json()["data"]
    assert [o["metadata"]["attempts"] for o in observations] == [2]


async def test_an_unreachable_provider_fails_the_run_after_retries(ev: Harness) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    await credential(ev, baseUrl=f"http://127.0.0.1:{port}/v1", maxRetries=1)
    await judge(ev)
    await trace(ev, "u1")
    run = await execute(ev, "correct", traceId="u1")
    assert run["status"] == "failed"
    assert "ConnectError" in run["error"] and "2 attempt" in run["error"]
    judge_trace = (
        await ev.client.get(
            f"/api/v1/traces/{run['results'][0]['judge_trace_id']}", headers=ev.auth
        )
    ).json()
    assert judge_trace["status"] == "error"


async def test_each_run_endpoint_has_its_own_limit(ev: Harness) -> None:
    """Seed 003: trace-runs and session-runs 50/min each (dataset-runs too), per caller."""
    body = {"name": "json", "config": {"kind": "code", "rule": "json_valid"}}
    assert (await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)).is_success
    statuses = []
    while 429 not in statuses and len(statuses) < 200:
        response = await ev.client.post(
            "/api/v1/evaluations/session-runs",
            json={"sessionIds": ["s"], "evaluatorIds": ["json"]},
            headers=ev.auth,
        )
        statuses.append(response.status_code)
    assert statuses[:50] == [202] * 50 and statuses[-1] == 429
    assert response.headers["X-RateLimit-Limit"] == "50" and "Retry-After" in response.headers
    others = (
        ("trace-runs", {"traceIds": ["t"]}),
        ("dataset-runs", {"datasetRunIds": ["d"]}),
    )
    for path, targets in others:
        response = await ev.client.post(
            f"/api/v1/evaluations/{path}",
            json={**targets, "evaluatorIds": ["json"]},
            headers=ev.auth,
        )
        assert response.status_code == 202, (path, response.text)
        assert response.headers["X-RateLimit-Limit"] == "50"
