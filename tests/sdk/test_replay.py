"""Replaying a fork in the user's own code: a real agent function (the real `openai` client,
wrapped, against the local OpenAI-compatible server) runs once, is forked at its second LLM
call, and runs again with that call changed: the first call is answered from the recording
and never reaches the server, the second goes live, and the new trace is linked to the fork."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from tests import fake_openai
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

from tracehouse import sdk

PLAN = "Step 1: look it up. Step 2: answer."


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def agent(llm: Any, question: str, tone: str) -> tuple[str, str]:
    """Plan, then answer following the plan: two LLM calls, the second built on the first."""
    with sdk.span("agent") as root:
        sdk.update_current_trace(name="replayed-agent", input=question)
        messages = [{"role": "user", "content": f"Plan how to answer: {question}"}]
        plan = llm.chat.completions.create(model="gpt-4o-mini", messages=messages)
        messages += [
            plan.choices[0].message,
            {"role": "user", "content": f"Now answer, {tone}."},
        ]
        answer = llm.chat.completions.create(model="gpt-4o-mini", messages=messages)
        text = str(answer.choices[0].message.content)
        root.update(output=text)
    return text, root.trace_id


def post(server: LiveServer, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{server.url}{path}", json=body, headers=server.auth, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_sdk_replay_serves_the_recorded_call_and_goes_live(
    live_server: LiveServer, openai_url: str
) -> None:
    client = sdk.configure(host=live_server.url, api_key=live_server.secret_key)
    llm = sdk.wrap_openai(openai.OpenAI(base_url=openai_url, api_key="sk-test"))
    fake_openai.SCRIPT.reset(("reply", PLAN))
    text, recorded_trace = agent(llm, "Capital of France?", "briefly")
    assert text == fake_openai.ANSWER
    assert client.flush()
    original = read_trace(live_server, recorded_trace)
    plan_step, answer_step = [o for o in original["observations"] if o["type"] == "generation"]
    fork = post(
        live_server, "/api/v1/forks", {"trace_id": recorded_trace, "span_id": answer_step["id"]}
    )
    assert [s["id"] for s in fork["prefix"] if s["type"] == "generation"] == [plan_step["id"]]

    replaying = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, fork_id=fork["id"]
    )
    fake_openai.SCRIPT.reset()  # would answer the plan with ANSWER, were it asked
    text, replay_trace = agent(llm, "Capital of France?", "in French")
    assert text == fake_openai.ANSWER
    assert replaying.flush()

    sent = fake_openai.SCRIPT.requests
    assert len(sent) == 1, sent  # only the changed second call reached the provider
    assert sent[0]["messages"][-1]["content"] == "Now answer, in French."
    assert sent[0]["messages"][1]["content"] == PLAN  # the recorded plan, carried on
    replays = live_server.get(f"/api/v1/forks/{fork['id']}/replays")["data"]
    assert len(replays) == 1 and replays[0]["mode"] == "sdk"
    assert replays[0]["trace_id"] == replay_trace
    replay = read_trace(live_server, replays[0]["trace_id"])
    assert replay["metadata"]["fork_id"] == fork["id"]
    served, live = [o for o in replay["observations"] if o["type"] == "generation"]
    assert served["metadata"]["replay"] == "recorded"
    assert served["metadata"]["recorded_step"] == plan_step["id"]
    assert served["output"]["content"] == PLAN
    assert served["usage"]["input_tokens"] == fake_openai.PROMPT_TOKENS
    assert "replay" not in (live["metadata"] or {})
    diff = live_server.get(f"/api/v1/forks/{fork['id']}/diff")
    assert diff["divergence"]["a_id"] == answer_step["id"]
    replaying.shutdown()


def test_a_fork_that_cannot_be_read_runs_live(live_server: LiveServer, openai_url: str) -> None:
    client = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, fork_id="no-such-fork"
    )
    llm = sdk.wrap_openai(openai.OpenAI(base_url=openai_url, api_key="sk-test"))
    fake_openai.SCRIPT.reset()
    assert agent(llm, "Capital of France?", "briefly")[0] == fake_openai.ANSWER
    assert len(fake_openai.SCRIPT.requests) == 2
    client.shutdown()


async def async_agent(llm: Any, tone: str) -> tuple[str, str]:
    with sdk.span("async-agent") as root:
        messages: list[Any] = [{"role": "user", "content": "Plan: capital of France?"}]
        plan = await llm.chat.completions.create(model="gpt-4o-mini", messages=messages)
        messages += [plan.choices[0].message, {"role": "user", "content": f"Answer, {tone}."}]
        answer = await llm.chat.completions.create(model="gpt-4o-mini", messages=messages)
    return str(answer.choices[0].message.content), root.trace_id


async def run_async_agent(openai_url: str, tone: str) -> tuple[str, str]:
    """A wrapped async client per event loop, closed in it (a client left open would be closed
    later, by the garbage collector, against a loop that no longer runs)."""
    raw = openai.AsyncOpenAI(base_url=openai_url, api_key="sk-test")
    try:
        return await async_agent(sdk.wrap_openai(raw), tone)
    finally:
        await raw.close()


def test_async_clients_replay_too(live_server: LiveServer, openai_url: str) -> None:
    client = sdk.configure(host=live_server.url, api_key=live_server.secret_key)
    fake_openai.SCRIPT.reset(("reply", PLAN))
    _, recorded_trace = asyncio.run(run_async_agent(openai_url, "briefly"))
    assert client.flush()
    steps = read_trace(live_server, recorded_trace)["observations"]
    answer_step = [o for o in steps if o["type"] == "generation"][1]
    fork = post(
        live_server, "/api/v1/forks", {"trace_id": recorded_trace, "span_id": answer_step["id"]}
    )
    replaying = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, fork_id=fork["id"]
    )
    fake_openai.SCRIPT.reset()
    text, _ = asyncio.run(run_async_agent(openai_url, "in one word"))
    assert text == fake_openai.ANSWER
    assert [r["messages"][1]["content"] for r in fake_openai.SCRIPT.requests] == [PLAN]
    replaying.shutdown()
