"""The forks API on both databases: fork at a span (prefix recorded), list per project and per
trace, get, delete, a fork of a fork, bad input writing nothing, and the fork diff."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness
from tests.forks.conftest import agent_trace, send, variant

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def fork(th: Harness, **body: Any) -> Any:
    return await th.client.post("/api/v1/forks", json=body, headers=th.auth)


async def test_fork_records_the_prefix_and_modifications(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    modifications = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}],
        "parameters": {"temperature": 0},
        "toolResults": [{"spanId": "tool", "output": {"city": "Paris"}}],
    }
    created = await fork(th, traceId="run-a", spanId="answer", modifications=modifications)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["trace_id"] == "run-a" and body["span_id"] == "answer"
    assert [s["id"] for s in body["prefix"]] == ["plan", "tool"]  # not the root, still running
    assert body["prefix"][1]["output"] == {"city": "Berlin"}
    assert body["prefix_count"] == 2 and body["latest_replay"] is None
    assert body["modifications"]["model"] == "gpt-4o-mini"
    assert body["modifications"]["tool_results"] == [
        {"span_id": "tool", "output": {"city": "Paris"}}
    ]
    got = await th.client.get(f"/api/v1/forks/{body['id']}", headers=th.auth)
    assert got.status_code == 200 and got.json() == body


async def test_list_per_trace_and_delete(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    await send(th, variant("run-b", "Paris"))
    first = (await fork(th, traceId="run-a", spanId="plan")).json()
    await fork(th, traceId="run-b", spanId="run-b-answer")
    listed = (await th.client.get("/api/v1/forks", headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 2 and "prefix" not in listed["data"][0]
    one = (
        await th.client.get("/api/v1/forks", params={"trace_id": "run-a"}, headers=th.auth)
    ).json()
    assert [f["id"] for f in one["data"]] == [first["id"]]
    assert first["prefix"] == []
    gone = await th.client.delete(f"/api/v1/forks/{first['id']}", headers=th.auth)
    assert gone.status_code == 204
    again = await th.client.get(f"/api/v1/forks/{first['id']}", headers=th.auth)
    assert again.status_code == 404


async def test_fork_of_a_fork_inherits_and_overrides(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    mods = {"model": "gpt-4o-mini", "parameters": {"temperature": 0}}
    parent = (await fork(th, traceId="run-a", spanId="answer", modifications=mods)).json()
    child = await fork(th, fromForkId=parent["id"], modifications={"model": "claude-3-5-haiku"})
    assert child.status_code == 201, child.text
    body = child.json()
    assert body["parent_fork_id"] == parent["id"]
    assert body["trace_id"] == "run-a" and body["span_id"] == "answer"
    assert body["modifications"]["model"] == "claude-3-5-haiku"
    assert body["modifications"]["parameters"] == {"temperature": 0}


async def test_bad_input_is_refused_and_nothing_written(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    _, other = await th.new_project("elsewhere")
    await send(th, agent_trace("theirs"), other)
    cases = [
        ({"traceId": "run-a", "spanId": "nope"}, 404),
        ({"traceId": "theirs", "spanId": "answer"}, 404),
        ({"traceId": "run-a"}, 400),
        ({"fromForkId": "no-such-fork"}, 404),
        (
            {"traceId": "run-a", "spanId": "answer",
             "modifications": {"toolResults": [{"spanId": "ghost", "output": 1}]}},
            400,
        ),
    ]  # fmt: skip
    for body, status in cases:
        response = await fork(th, **body)
        assert response.status_code == status, (body, response.text)
        assert "error" in response.json()
    listed = (await th.client.get("/api/v1/forks", headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 0
    # Another project's fork is not visible either.
    theirs = await th.client.post(
        "/api/v1/forks", json={"traceId": "theirs", "spanId": "answer"}, headers=other
    )
    assert theirs.status_code == 201
    seen = await th.client.get(f"/api/v1/forks/{theirs.json()['id']}", headers=th.auth)
    assert seen.status_code == 404


async def test_fork_diff_waits_for_a_replay_then_compares(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    created = (await fork(th, traceId="run-a", spanId="answer")).json()
    waiting = await th.client.get(f"/api/v1/forks/{created['id']}/diff", headers=th.auth)
    assert waiting.status_code == 409
    assert waiting.json()["error"]["details"] == {"state": "no_replay"}
    await send(th, variant("replay-1", "It is in Paris."))
    linked = await th.client.post(
        f"/api/v1/forks/{created['id']}/replays", json={"traceId": "replay-1"}, headers=th.auth
    )
    assert linked.status_code == 201, linked.text
    body = (await th.client.get(f"/api/v1/forks/{created['id']}/diff", headers=th.auth)).json()
    assert body["replay"]["trace_id"] == "replay-1" and body["replay"]["state"] == "completed"
    assert body["replay"]["mode"] == "sdk"
    assert body["divergence"]["a_id"] == "answer"
    assert body["divergence"]["b_id"] == "replay-1-answer"
    got = (await th.client.get(f"/api/v1/forks/{created['id']}", headers=th.auth)).json()
    assert got["latest_replay"]["trace_id"] == "replay-1"
