"""Git links and CI runs on both databases: create, read, list; traces filtered by repository,
branch and commit (directly or through their session); bad input writes nothing."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tests.checkpoints.conftest import send_trace
from tests.conftest import Harness

pytestmark = pytest.mark.anyio

REPO = "https://github.com/acme/agent"
SHA = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"


async def link(th: Harness, auth: dict[str, str] | None = None, **fields: Any) -> Any:
    body = {"repository_url": REPO, "commit_sha": SHA, "branch": "main", **fields}
    return await th.client.post("/api/v1/git-links", json=body, headers=auth or th.auth)


async def trace_ids(th: Harness, **params: Any) -> list[str]:
    got = await th.client.get("/api/v1/traces", params=params, headers=th.auth)
    assert got.status_code == 200, got.text
    return sorted(t["id"] for t in got.json()["data"])


async def test_git_link_ties_a_commit_to_traces_and_sessions(th: Harness) -> None:
    await send_trace(th, "t-direct")
    await send_trace(th, "t-in-session", sessionId="chat-9")
    await send_trace(th, "t-other")
    created = await link(
        th,
        trace_ids=["t-direct"],
        sessionIds=["chat-9"],
        message="Retry the tool call",
        author="Ada <ada@example.com>",
        committedAt="2026-11-01T09:00:00Z",
        dirty=True,
        uncommittedChanges={"files": ["agent.py"], "insertions": 3, "deletions": 1},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["trace_ids"] == ["t-direct"] and body["session_ids"] == ["chat-9"]
    assert body["dirty"] is True and body["committed_at"].startswith("2026-11-01T09:00:00")
    assert body["uncommitted_changes"]["insertions"] == 3
    got = await th.client.get(f"/api/v1/git-links/{body['id']}", headers=th.auth)
    assert got.json() == body
    assert await trace_ids(th, commit=SHA[:8]) == ["t-direct", "t-in-session"]
    assert await trace_ids(th, repository=REPO, branch="main") == ["t-direct", "t-in-session"]
    assert await trace_ids(th, branch="feature-x") == []
    assert await trace_ids(th, commit="abcdef12") == []
    window = {"from": "2026-10-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    costs = await th.client.get(
        "/api/v1/analytics/costs", params={**window, "commit": SHA[:8]}, headers=th.auth
    )
    assert costs.status_code == 200, costs.text
    assert costs.json()["total_traces"] == 2  # analytics take the same filters
    listed = await th.client.get(
        "/api/v1/git-links", params={"trace_id": "t-direct"}, headers=th.auth
    )
    assert [g["id"] for g in listed.json()["data"]] == [body["id"]]


async def test_git_link_bad_input_writes_nothing(th: Harness) -> None:
    await send_trace(th, "t-1")
    unknown = await link(th, trace_ids=["t-1", "missing"])
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["error"]["details"]["unknown"] == ["missing"]
    malformed = await link(th, commit_sha="not-a-sha", trace_ids=["t-1"])
    assert malformed.status_code == 422
    listed = await th.client.get("/api/v1/git-links", headers=th.auth)
    assert listed.json()["meta"]["total_count"] == 0
    assert await trace_ids(th, commit=SHA) == []


async def test_git_links_are_project_scoped(th: Harness) -> None:
    await send_trace(th, "t-1")
    mine = (await link(th, trace_ids=["t-1"])).json()
    _, other = await th.new_project("other")
    assert (
        await th.client.get(f"/api/v1/git-links/{mine['id']}", headers=other)
    ).status_code == 404
    # Another project cannot claim this project's trace.
    assert (await link(th, auth=other, trace_ids=["t-1"])).status_code == 404


async def test_ci_run_lifecycle(th: Harness) -> None:
    await send_trace(th, "eval-1")
    await send_trace(th, "eval-2")
    created = await th.client.post(
        "/api/v1/ci-runs",
        json={
            "provider": "github",
            "pipeline": "evals",
            "runId": "9876543",
            "runUrl": "https://github.com/acme/agent/actions/runs/9876543",
            "commitSha": SHA,
            "branch": "feature-x",
            "pullRequest": "42",
            "traceIds": ["eval-1"],
        },
        headers=th.auth,
    )
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["status"] == "running" and run["run_id"] == "9876543"
    assert run["trace_ids"] == ["eval-1"] and run["ended_at"] is None
    done = await th.client.patch(
        f"/api/v1/ci-runs/{run['id']}",
        json={"status": "failed", "traceIds": ["eval-2", "eval-1"]},
        headers=th.auth,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "failed" and done.json()["ended_at"] is not None
    assert done.json()["trace_ids"] == ["eval-1", "eval-2"]
    listed = await th.client.get("/api/v1/ci-runs", params={"status": "failed"}, headers=th.auth)
    assert [r["id"] for r in listed.json()["data"]] == [run["id"]]
    none = await th.client.get("/api/v1/ci-runs", params={"status": "passed"}, headers=th.auth)
    assert none.json()["data"] == []
    one = await th.client.get(f"/api/v1/ci-runs/{run['id']}", headers=th.auth)
    assert one.json() == done.json()


async def test_ci_run_bad_input(th: Harness) -> None:
    bad = [
        {"provider": "github", "traceIds": ["missing"]},
        {"provider": "github", "commitSha": "xyz"},
        {"provider": "github", "status": "sideways"},
        {
            "provider": "github",
            "startedAt": "2026-11-01T10:00:00Z",
            "endedAt": "2026-11-01T09:00:00Z",
        },
    ]
    codes = []
    for body in bad:
        codes.append(
            (await th.client.post("/api/v1/ci-runs", json=body, headers=th.auth)).status_code
        )
    assert codes == [404, 422, 422, 400]
    listed = await th.client.get("/api/v1/ci-runs", headers=th.auth)
    assert listed.json()["meta"]["total_count"] == 0
    _, other = await th.new_project("other")
    run = (await th.client.post("/api/v1/ci-runs", json={"provider": "x"}, headers=th.auth)).json()
    assert (await th.client.get(f"/api/v1/ci-runs/{run['id']}", headers=other)).status_code == 404


def _otlp(trace_id: str, resource: dict[str, str]) -> bytes:
    attributes = [{"key": k, "value": {"stringValue": v}} for k, v in resource.items()]
    root = {
        "traceId": trace_id,
        "spanId": "aee19b7ec3c1b174",
        "name": "agent-run",
        "startTimeUnixNano": "1796000000000000000",
        "endTimeUnixNano": "1796000001000000000",
    }
    scope = {"scope": {"name": "my-agent"}, "spans": [root]}
    return orjson.dumps(
        {"resourceSpans": [{"resource": {"attributes": attributes}, "scopeSpans": [scope]}]}
    )


async def test_otlp_vcs_resource_attributes_filter_traces(th: Harness) -> None:
    resource = {
        "service.name": "agent",
        "vcs.repository.url.full": REPO,
        "vcs.ref.head.revision": SHA,
        "vcs.ref.head.name": "feature-x",
    }
    headers = {**th.auth, "Content-Type": "application/json"}
    tagged, plain = "6b8efff798038103d269b633813fc60c", "6b8efff798038103d269b633813fc60d"
    for trace_id, attrs in ((tagged, resource), (plain, {"service.name": "agent"})):
        sent = await th.client.post("/v1/traces", content=_otlp(trace_id, attrs), headers=headers)
        assert sent.status_code == 200, sent.text
    trace = (await th.client.get(f"/api/v1/traces/{tagged}", headers=th.auth)).json()
    assert trace["metadata"]["vcs.ref.head.revision"] == SHA
    assert await trace_ids(th, commit=SHA[:7]) == [tagged]
    assert await trace_ids(th, repository=REPO, branch="feature-x") == [tagged]
    assert await trace_ids(th, repository=REPO, branch="main") == []
