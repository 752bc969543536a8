"""Rate limits: reads and writes of a key are counted in separate buckets, and AI-backed
routes (root cause, executing an evaluator, replaying a fork) have a per-caller cap of their
own (seed 002)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio

TRACE = {"id": "limited", "observations": [{"id": "o", "type": "tool", "level": "ERROR"}]}


@pytest.fixture(params=["sqlite", "postgres"])
async def limited(tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Bursts of 2 writes and 4 reads a key (6 writes for the root-cause test); 3 AI calls."""
    writes = 6 if "root_cause" in request.node.name or "replay" in request.node.name else 2
    settings = make_settings(
        request.param,
        tmp_path,
        request,
        rate_limits={"enterprise": (1, writes)},  # one token a minute: no refill meanwhile
        read_rate_limits={"enterprise": (1, 4)},
        ai_rate_limit_per_minute=3,
    )
    async for th in start(settings):
        yield th


async def test_reads_and_writes_have_their_own_buckets(limited: Harness) -> None:
    th = limited
    writes = [
        (await th.client.post("/api/v1/traces", json={"id": f"w{n}"}, headers=th.auth))
        for n in range(3)
    ]
    assert [w.status_code for w in writes] == [201, 201, 429]
    assert writes[0].headers["X-RateLimit-Limit"] == "1"
    assert int(writes[2].headers["Retry-After"]) >= 1
    assert "writes per minute" in writes[2].json()["error"]["message"]
    reads = [(await th.client.get("/api/v1/traces", headers=th.auth)) for _ in range(5)]
    assert [r.status_code for r in reads] == [200, 200, 200, 200, 429]  # writes took none
    assert reads[0].headers["X-RateLimit-Remaining"] == "3"
    assert "reads per minute" in reads[4].json()["error"]["message"]


async def test_root_cause_is_capped_per_caller(limited: Harness) -> None:
    th = limited
    assert (await th.client.post("/api/v1/traces", json=TRACE, headers=th.auth)).status_code == 201
    answers = []
    for _ in range(4):
        response = await th.client.post(
            "/api/v1/insights/root-cause", json={"trace_id": "limited"}, headers=th.auth
        )
        answers.append(response)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert refused.headers["X-RateLimit-Limit"] == "3" and int(refused.headers["Retry-After"]) >= 1
    assert "root-cause calls per minute" in refused.json()["error"]["message"]
    _, other = await th.new_project("another")  # another caller has a cap of its own
    response = await th.client.post(
        "/api/v1/insights/root-cause", json={"trace_id": "limited"}, headers=other
    )
    assert response.status_code == 404


async def test_fork_replay_is_capped_per_caller(limited: Harness) -> None:
    th = limited
    answers = [
        await th.client.post("/api/v1/forks/nope/replay", json={}, headers=th.auth)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert "fork-replay calls per minute" in answers[3].json()["error"]["message"]
