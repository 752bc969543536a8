"""The trace API end to end: create with observations, tree, roll-ups, merges, retries."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

T0 = "2026-11-01T10:00:00Z"


def agent_trace(trace_id: str = "trace-1") -> dict:
    return {
        "id": trace_id,
        "name": "support-agent",
        "userId": "user-7",
        "sessionId": "sess-1",
        "environment": "production",
        "release": "v1.2",
        "tags": ["beta", "support"],
        "metadata": {"region": "eu"},
        "input": {"question": "Where is my parcel?"},
        "output": "It is in Berlin.",
        "timestamp": T0,
        "observations": [
            {
                "id": "root",
                "type": "agent",
                "name": "agent",
                "startTime": "2026-11-01T10:00:00Z",
                "endTime": "2026-11-01T10:00:03Z",
            },
            {
                "id": "llm",
                "parentId": "root",
                "type": "generation",
                "name": "plan",
                "model": "gpt-4o",
                "startTime": "2026-11-01T10:00:00.500Z",
                "completionStartTime": "2026-11-01T10:00:00.800Z",
                "endTime": "2026-11-01T10:00:01.500Z",
                "usage": {"inputTokens": 1000, "outputTokens": 100, "cacheReadTokens": 200},
                "input": [{"role": "user", "content": "Where is my parcel?"}],
                "output": {"role": "assistant", "content": "Let me check."},
            },
            {
                "id": "tool",
                "parentId": "root",
                "type": "tool",
                "name": "track_parcel",
                "startTime": "2026-11-01T10:00:01.600Z",
                "endTime": "2026-11-01T10:00:02Z",
                "level": "WARNING",
                "statusMessage": "slow carrier API",
            },
        ],
    }


async def test_create_and_read_trace_tree(th: Harness) -> None:
    response = await th.client.post("/api/v1/traces", json=agent_trace(), headers=th.auth)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "trace-1", "observation_ids": ["root", "llm", "tool"]}

    trace = (await th.client.get("/api/v1/traces/trace-1", headers=th.auth)).json()
    assert trace["name"] == "support-agent"
    assert trace["user_id"] == "user-7"
    assert trace["session_id"] == "sess-1"
    assert trace["tags"] == ["beta", "support"]
    assert trace["input"] == {"question": "Where is my parcel?"}
    assert trace["observation_count"] == 3
    assert trace["latency_ms"] == 3000.0
    assert trace["status"] == "warning"
    assert trace["usage"] == {"input_tokens": 1000, "output_tokens": 100, "total_tokens": 1100}
    # gpt-4o: 800 uncached x $2.5/M + 200 cached x $1.25/M + 100 x $10/M
    assert trace["cost"] == pytest.approx(0.00325)
    assert trace["models"] == ["gpt-4o"]
    assert trace["tree"] == [
        {"id": "root", "children": [{"id": "llm", "children": []}, {"id": "tool", "children": []}]}
    ]
    llm = next(o for o in trace["observations"] if o["id"] == "llm")
    assert llm["time_to_first_token_ms"] == 300.0
    assert llm["latency_ms"] == 1000.0
    assert llm["usage"]["cache_read_tokens"] == 200
    assert llm["cost"]["computed"]["total"] == pytest.approx(0.00325)
    assert llm["cost"]["reported"]["total"] is None
    assert llm["cost"]["total"] == pytest.approx(0.00325)


async def test_retried_request_never_duplicates(th: Harness) -> None:
    for _ in range(3):
        response = await th.client.post("/api/v1/traces", json=agent_trace(), headers=th.auth)
        assert response.status_code == 201
    listing = (await th.client.get("/api/v1/traces", headers=th.auth)).json()
    assert listing["meta"]["total_count"] == 1
    observations = (await th.client.get("/api/v1/observations", headers=th.auth)).json()
    assert observations["meta"]["total_count"] == 3
    trace = (await th.client.get("/api/v1/traces/trace-1", headers=th.auth)).json()
    assert trace["usage"]["total_tokens"] == 1100


async def test_observation_before_trace_and_parent(th: Harness) -> None:
    child = {
        "id": "child",
        "traceId": "late-trace",
        "parentId": "parent",
        "type": "generation",
        "model": "gpt-4o-mini",
        "startTime": "2026-11-01T10:00:01Z",
        "endTime": "2026-11-01T10:00:02Z",
        "usage": {"inputTokens": 10, "outputTokens": 5},
    }
    assert (
        await th.client.post("/api/v1/observations", json=child, headers=th.auth)
    ).status_code == 201
    early = (await th.client.get("/api/v1/traces/late-trace", headers=th.auth)).json()
    assert early["name"] is None
    assert early["tree"] == [{"id": "child", "children": []}]

    parent = {
        "id": "parent",
        "traceId": "late-trace",
        "type": "span",
        "startTime": "2026-11-01T10:00:00Z",
    }
    await th.client.post("/api/v1/observations", json=parent, headers=th.auth)
    trace_body = {"id": "late-trace", "name": "arrived-last", "timestamp": "2026-11-01T09:59:59Z"}
    await th.client.post("/api/v1/traces", json=trace_body, headers=th.auth)

    trace = (await th.client.get("/api/v1/traces/late-trace", headers=th.auth)).json()
    assert trace["name"] == "arrived-last"
    assert trace["tree"] == [{"id": "parent", "children": [{"id": "child", "children": []}]}]
    assert trace["start_time"] == "2026-11-01T09:59:59.000000Z"
    assert trace["usage"]["total_tokens"] == 15


async def test_partial_updates_merge(th: Harness) -> None:
    start = {
        "id": "gen",
        "traceId": "t-merge",
        "type": "generation",
        "name": "answer",
        "model": "gpt-4o",
        "startTime": "2026-11-01T10:00:00Z",
        "metadata": {"a": 1},
    }
    await th.client.post("/api/v1/observations", json=start, headers=th.auth)
    end = {
        "endTime": "2026-11-01T10:00:02Z",
        "output": "done",
        "usage": {"inputTokens": 1000, "outputTokens": 100},
        "metadata": {"b": 2},
    }
    response = await th.client.patch("/api/v1/observations/gen", json=end, headers=th.auth)
    assert response.status_code == 200, response.text
    assert response.json()["trace_id"] == "t-merge"
    obs = (await th.client.get("/api/v1/observations/gen", headers=th.auth)).json()
    assert obs["name"] == "answer"
    assert obs["model"] == "gpt-4o"
    assert obs["output"] == "done"
    assert obs["metadata"] == {"a": 1, "b": 2}
    assert obs["latency_ms"] == 2000.0
    # priced after the merge: the model came first, the usage later
    assert obs["cost"]["computed"]["total"] == pytest.approx(1000 * 2.5e-6 + 100 * 10e-6)

    await th.client.post(
        "/api/v1/traces",
        json={"id": "t-merge", "tags": ["a"], "metadata": {"x": 1}},
        headers=th.auth,
    )
    await th.client.post(
        "/api/v1/traces",
        json={"id": "t-merge", "tags": ["b"], "metadata": {"y": 2}},
        headers=th.auth,
    )
    trace = (await th.client.get("/api/v1/traces/t-merge", headers=th.auth)).json()
    assert trace["tags"] == ["a", "b"]
    assert trace["metadata"] == {"x": 1, "y": 2}


async def test_patch_unknown_observation_is_404(th: Harness) -> None:
    response = await th.client.patch(
        "/api/v1/observations/nope", json={"name": "x"}, headers=th.auth
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_reported_cost_kept_and_wins(th: Harness) -> None:
    obs = {
        "id": "priced",
        "traceId": "t-cost",
        "model": "gpt-4o",
        "usage": {"inputTokens": 1000, "outputTokens": 100},
        "cost": {"input": 0.5, "output": 0.25},
    }
    await th.client.post("/api/v1/observations", json=obs, headers=th.auth)
    body = (await th.client.get("/api/v1/observations/priced", headers=th.auth)).json()
    assert body["type"] == "generation"
    assert body["cost"]["reported"] == {"input": 0.5, "output": 0.25, "total": 0.75}
    assert body["cost"]["computed"]["total"] == pytest.approx(0.0035)
    assert body["cost"]["total"] == 0.75
    trace = (await th.client.get("/api/v1/traces/t-cost", headers=th.auth)).json()
    assert trace["cost"] == 0.75


async def test_delete_trace_removes_observations_and_scores(th: Harness) -> None:
    await th.client.post("/api/v1/traces", json=agent_trace("doomed"), headers=th.auth)
    await th.client.post(
        "/api/v1/scores",
        json={"traceId": "doomed", "name": "quality", "value": 0.5},
        headers=th.auth,
    )
    response = await th.client.delete("/api/v1/traces/doomed", headers=th.auth)
    assert response.status_code == 204
    assert (await th.client.get("/api/v1/traces/doomed", headers=th.auth)).status_code == 404
    obs = (await th.client.get("/api/v1/observations?trace_id=doomed", headers=th.auth)).json()
    assert obs["meta"]["total_count"] == 0
    scores = (await th.client.get("/api/v1/scores?trace_id=doomed", headers=th.auth)).json()
    assert scores["meta"]["total_count"] == 0
    assert (await th.client.delete("/api/v1/traces/doomed", headers=th.auth)).status_code == 404


async def test_error_level_marks_trace_failed(th: Harness) -> None:
    body = {
        "id": "t-err",
        "name": "fails",
        "observations": [{"id": "bad", "type": "tool", "level": "error", "statusMessage": "boom"}],
    }
    await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    trace = (await th.client.get("/api/v1/traces/t-err", headers=th.auth)).json()
    assert trace["status"] == "error"
    assert trace["error_count"] == 1
    assert trace["observations"][0]["level"] == "ERROR"


async def test_a_batch_of_traces_is_written_in_one_request(th: Harness) -> None:
    body = [
        {"id": "batch-a", "name": "a", "observations": [{"id": "batch-a-1", "name": "step"}]},
        {"id": "batch-b", "name": "b", "user_id": "alice"},
    ]
    response = await th.client.post("/api/v1/traces/batch", json=body, headers=th.auth)
    assert response.status_code == 201, response.text
    assert response.json() == {"ids": ["batch-a", "batch-b"]}
    a = (await th.client.get("/api/v1/traces/batch-a", headers=th.auth)).json()
    b = (await th.client.get("/api/v1/traces/batch-b", headers=th.auth)).json()
    assert [o["id"] for o in a["observations"]] == ["batch-a-1"]
    assert (a["name"], b["name"], b["user_id"]) == ("a", "b", "alice")
    bad = await th.client.post("/api/v1/traces/batch", json=[{"tags": "x"}], headers=th.auth)
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["error"]["details"]] == ["0.tags"]
