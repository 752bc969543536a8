"""Server replay of a fork on both databases, every provider call against the local
OpenAI-compatible server: a changed system prompt, recorded tool results matched and
overridden, the "needs your agent" stop, an Anthropic credential, the replay trace (tokens and
cost, linked to its fork, diffable), `fork.replayed` on `/ws`, and bad input writing nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests import fake_openai
from tests.conftest import Harness
from tests.forks.conftest import send

from tracehouse.store.tables import fork_replays, forks

pytestmark = pytest.mark.anyio

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
QUESTION = [
    {"role": "system", "content": "You are a weather bot."},
    {"role": "user", "content": "Weather in Paris?"},
]


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_script() -> None:
    fake_openai.SCRIPT.reset()


def weather_trace(trace_id: str = "weather", city: str = "Paris") -> dict[str, Any]:
    """An agent run: a generation calling `get_weather`, the tool, the answer."""
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
    }
    return {
        "id": trace_id,
        "name": "weather-agent",
        "input": "Weather in Paris?",
        "output": "Sunny.",
        "timestamp": "2026-11-01T10:00:00Z",
        "observations": [
            _step("root", None, "agent", "agent", 0, 4000),
            {
                **_step("ask", "root", "generation", "ask", 100, 900),
                "model": "gpt-4o-mini",
                "modelParameters": {"temperature": 0.2},
                "input": {"messages": QUESTION, "tools": TOOLS},
                "output": {"role": "assistant", "content": None, "tool_calls": [call]},
                "usage": {"inputTokens": 50, "outputTokens": 5},
            },
            {
                **_step("tool", "root", "tool", "get_weather", 1000, 1200),
                "input": {"city": city},
                "output": {"sky": "sunny", "celsius": 21},
            },
            {
                **_step("answer", "root", "generation", "answer", 1300, 2000),
                "model": "gpt-4o-mini",
                "input": [*QUESTION, {"role": "tool", "content": "sunny"}],
                "output": {"role": "assistant", "content": "Sunny, 21 °C."},
                "usage": {"inputTokens": 80, "outputTokens": 8},
            },
        ],
    }


def _step(
    step_id: str, parent: str | None, kind: str, name: str, start_ms: int, end_ms: int
) -> dict[str, Any]:
    return {
        "id": step_id,
        "parentId": parent,
        "type": kind,
        "name": name,
        "startTime": f"2026-11-01T10:00:{start_ms // 1000:02d}.{start_ms % 1000:03d}Z",
        "endTime": f"2026-11-01T10:00:{end_ms // 1000:02d}.{end_ms % 1000:03d}Z",
    }


async def credential(
    th: Harness, url: str, kind: str = "openai", name: str = "local",
    auth: dict[str, str] | None = None,
) -> None:  # fmt: skip
    base = url.removesuffix("/v1") if kind == "anthropic" else url
    body = {"name": name, "kind": kind, "apiKey": "sk-test", "baseUrl": base, "maxRetries": 0}
    made = await th.client.post("/api/v1/providers", json=body, headers=auth or th.auth)
    assert made.status_code == 201, made.text


async def fork_at(
    th: Harness, span_id: str, trace_id: str = "weather", auth: dict[str, str] | None = None,
    **modifications: Any,
) -> str:  # fmt: skip
    body = {"traceId": trace_id, "spanId": span_id, "modifications": modifications}
    made = await th.client.post("/api/v1/forks", json=body, headers=auth or th.auth)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def replay(th: Harness, fork_id: str, **body: Any) -> dict[str, Any]:
    """Start a replay and wait for its end; the final replay resource."""
    started = await th.client.post(f"/api/v1/forks/{fork_id}/replay", json=body, headers=th.auth)
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "queued"
    return await finished(th, started.json()["id"])


async def finished(th: Harness, replay_id: str) -> dict[str, Any]:
    for _ in range(200):
        got = (await th.client.get(f"/api/v1/replays/{replay_id}", headers=th.auth)).json()
        if got["state"] in ("completed", "failed", "needs_agent"):
            return dict(got)
        await asyncio.sleep(0.05)
    raise AssertionError(f"replay {replay_id} did not end: {got}")


async def trace_of(th: Harness, trace_id: str) -> dict[str, Any]:
    got = await th.client.get(f"/api/v1/traces/{trace_id}", headers=th.auth)
    assert got.status_code == 200, got.text
    return dict(got.json())


async def test_replay_with_a_changed_system_prompt(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fork_id = await fork_at(th, "answer")
    system = [{"role": "system", "content": "Answer in French."}]
    done = await replay(th, fork_id, messages=system, model="gpt-4.1-mini")
    assert done["state"] == "completed", done
    assert done["mode"] == "server" and done["steps_done"] == 1
    sent = fake_openai.SCRIPT.requests
    assert len(sent) == 1  # the plan, the tool: served from the recording
    assert sent[0]["model"] == "gpt-4.1-mini"
    assert sent[0]["messages"][0] == system[0]
    assert sent[0]["messages"][1] == QUESTION[1]  # the recorded conversation carried on
    trace = await trace_of(th, done["trace_id"])
    assert trace["metadata"]["fork_id"] == fork_id and "replay" in trace["tags"]
    by_name = {o["name"]: o for o in trace["observations"]}
    assert by_name["ask"]["output"]["tool_calls"][0]["id"] == "call_1"  # as recorded
    assert by_name["ask"]["metadata"]["replay"] == "recorded"
    live = by_name["answer"]
    assert live["metadata"]["replay"] == "live" and live["model"] == "gpt-4.1-mini"
    assert live["output"]["content"] == fake_openai.ANSWER
    assert live["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
    assert trace["total_tokens"] == 55 + fake_openai.PROMPT_TOKENS + fake_openai.COMPLETION_TOKENS
    assert trace["output"] == fake_openai.ANSWER
    diff = (await th.client.get(f"/api/v1/forks/{fork_id}/diff", headers=th.auth)).json()
    assert diff["replay"]["id"] == done["id"]
    assert diff["divergence"]["a_id"] == "answer"
    listed = (await th.client.get(f"/api/v1/forks/{fork_id}/replays", headers=th.auth)).json()
    assert [r["id"] for r in listed["data"]] == [done["id"]]


async def test_tool_calls_take_the_recorded_result(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    done = await replay(th, await fork_at(th, "ask"), parameters={"temperature": 0})
    assert done["state"] == "completed", done
    first, second = fake_openai.SCRIPT.requests
    assert first["tools"] == TOOLS and first["temperature"] == 0
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert json.loads(tool_message["content"]) == {"sky": "sunny", "celsius": 21}
    trace = await trace_of(th, done["trace_id"])
    tool = next(o for o in trace["observations"] if o["type"] == "tool")
    assert tool["metadata"] == {"replay": "recorded", "recorded_step": "tool"}
    assert [o["name"] for o in trace["observations"] if o["type"] == "generation"] == [
        "ask",
        "answer",
    ]


async def test_an_override_replaces_the_recorded_result(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fork_id = await fork_at(th, "ask")
    override = [{"spanId": "tool", "output": {"sky": "snow"}}]
    done = await replay(th, fork_id, toolResults=override)
    assert done["state"] == "completed", done
    assert json.loads(fake_openai.SCRIPT.requests[1]["messages"][-1]["content"]) == {"sky": "snow"}
    trace = await trace_of(th, done["trace_id"])
    tool = next(o for o in trace["observations"] if o["type"] == "tool")
    assert tool["output"] == {"sky": "snow"} and tool["metadata"]["replay"] == "override"


async def test_unmatched_tool_call_needs_the_agent(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace(city="Berlin"))  # the model will ask for Paris
    await credential(th, provider_url)
    done = await replay(th, await fork_at(th, "ask"))
    assert done["state"] == "needs_agent", done
    assert done["stop"]["tool"] == "get_weather" and done["stop"]["span_id"] == "tool"
    assert done["stop"]["arguments"] == {"city": "Paris"} and done["stop"]["position"] == 2
    assert "Needs your agent at step 2" in done["message"] and "'tool'" in done["message"]
    assert len(fake_openai.SCRIPT.requests) == 1
    trace = await trace_of(th, done["trace_id"])
    assert trace["status"] == "warning"


async def test_replay_with_an_anthropic_credential(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    await credential(th, provider_url, "anthropic", "claude")
    done = await replay(th, await fork_at(th, "answer"), provider="anthropic", model="claude-x")
    assert done["state"] == "completed", done
    assert done["request"]["provider"] == "claude"
    path, headers = fake_openai.SCRIPT.calls[0]
    assert path == "/v1/messages" and headers["x-api-key"] == "sk-test"
    assert fake_openai.SCRIPT.requests[0]["system"] == QUESTION[0]["content"]
    assert fake_openai.SCRIPT.requests[0]["messages"][-1]["content"][0]["type"] == "tool_result"


async def test_a_failing_provider_fails_the_replay(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fake_openai.SCRIPT.reset(("status", 400))
    done = await replay(th, await fork_at(th, "answer"))
    assert done["state"] == "failed" and "HTTP 400" in done["message"]
    assert "sk-test" not in done["message"]
    trace = await trace_of(th, done["trace_id"])
    assert trace["status"] == "error"


async def test_fork_replayed_is_announced(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fork_id = await fork_at(th, "answer")
    rt = th.app.state.runtime
    with rt.db.reader.connect() as conn:
        project_rowid = conn.execute(select(forks.c.project_rowid)).scalar_one()
    subscription = rt.broker.subscribe(project_rowid)
    try:
        done = await replay(th, fork_id)
        events: list[dict[str, Any]] = []
        while not any(e["type"] == "fork.replayed" for e in events):
            events += await asyncio.wait_for(subscription.get(), 10) or []
    finally:
        rt.broker.unsubscribe(project_rowid, subscription)
    announced = next(e for e in events if e["type"] == "fork.replayed")
    assert announced["replay"]["id"] == done["id"]
    assert announced["replay"]["state"] == "completed"
    assert announced["replay"]["trace_id"] == done["trace_id"]


async def test_bad_replays_are_refused_and_nothing_written(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    _, other = await th.new_project("elsewhere")
    await send(th, weather_trace("theirs"), other)
    await credential(th, provider_url, auth=other)  # another project's credential
    theirs = await fork_at(th, "answer", "theirs", other)
    fork_id = await fork_at(th, "answer")
    await _refused(th, fork_id, {}, 400, "no provider credential")
    await credential(th, provider_url)
    cases = [
        ({"provider": "anthropic"}, 400, "no 'anthropic' provider credential"),
        ({"provider": "ghost"}, 404, "ghost"),
        ({"toolResults": [{"spanId": "nope", "output": 1}]}, 400, "'nope'"),
        ({"parameters": {"temperature": "hot"}}, 400, "Bad parameter"),
        ({"maxSteps": 0}, 422, ""),
    ]
    for body, status, text in cases:
        await _refused(th, fork_id, body, status, text)
    await _refused(th, theirs, {}, 404, "No fork")
    await _refused(th, "no-such-fork", {}, 404, "No fork")
    with th.app.state.runtime.db.reader.connect() as conn:
        assert conn.execute(fork_replays.select()).first() is None
    assert fake_openai.SCRIPT.requests == []


async def test_nothing_to_replay_after_the_last_generation(th: Harness, provider_url: str) -> None:
    trace = weather_trace()
    trace["observations"].append(
        {**_step("done", "root", "tool", "notify", 2100, 2200), "input": {}, "output": "ok"}
    )
    await send(th, trace)
    await credential(th, provider_url)
    await _refused(th, await fork_at(th, "done"), {}, 400, "no generation at or after")


async def _refused(th: Harness, fork_id: str, body: dict[str, Any], status: int, text: str) -> None:
    response = await th.client.post(f"/api/v1/forks/{fork_id}/replay", json=body, headers=th.auth)
    assert response.status_code == status, (body, response.text)
    assert text in response.json()["error"]["message"] or not text, response.text
