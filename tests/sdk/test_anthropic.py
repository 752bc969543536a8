"""`wrap_anthropic`: the real `anthropic` client (sync and async, plain and streaming, tool use)
against the local Anthropic-compatible server; the generations arrive with model, parameters,
system and messages, output blocks and usage. And fork replay: an agent run once, forked at its
second call and run again with that call changed gets the first answered from the recording
(it never reaches the server) while the second goes live."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import httpx
from tests import fake_anthropic
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

from tracehouse import sdk

SYSTEM = "You are terse."
MESSAGES = [{"role": "user", "content": "Capital of France?"}]
TOOLS = [
    {
        "name": "get_weather",
        "description": "The weather in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]
INPUT_TOKENS = fake_anthropic.INPUT_TOKENS + fake_anthropic.CACHE_READ_TOKENS
USAGE = {
    "input_tokens": INPUT_TOKENS,
    "output_tokens": fake_anthropic.OUTPUT_TOKENS,
    "total_tokens": INPUT_TOKENS + fake_anthropic.OUTPUT_TOKENS,
    "cache_read_tokens": fake_anthropic.CACHE_READ_TOKENS,
    "cache_write_tokens": None,
    "reasoning_tokens": None,
}
PLAN = "Step 1: look it up. Step 2: answer."


def llm_for(url: str, *, is_async: bool = False) -> Any:
    kind = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    return sdk.wrap_anthropic(kind(base_url=url, api_key="sk-ant-test", max_retries=0))


def generations(server: LiveServer, trace_id: str) -> list[dict[str, Any]]:
    trace = read_trace(server, trace_id)
    return [o for o in trace["observations"] if o["type"] == "generation"]


def test_sync_calls_plain_streamed_and_tools(
    client: sdk.Tracehouse, live_server: LiveServer, fake_anthropic_url: str
) -> None:
    llm = llm_for(fake_anthropic_url)
    assert sdk.wrap_anthropic(llm) is llm
    with sdk.span("chat") as chat:
        answer = llm.messages.create(
            model="claude-x",
            system=SYSTEM,
            messages=MESSAGES,
            max_tokens=50,
            stop_sequences=["###"],
        )
        stream = llm.messages.create(
            model="claude-x", messages=MESSAGES, max_tokens=50, stream=True
        )
        streamed = "".join(e.delta.text for e in stream if e.type == "content_block_delta")
        tool = llm.messages.create(model="claude-x", messages=MESSAGES, max_tokens=50, tools=TOOLS)
    assert answer.content[0].text == streamed == fake_anthropic.ANSWER
    assert tool.content[0].name == "get_weather"
    assert client.flush()

    plain, streaming, calling = generations(live_server, chat.trace_id)
    for generation in (plain, streaming, calling):
        assert generation["parent_id"] == chat.id
        assert generation["model"] == "claude-x"
        assert generation["provider"] == "anthropic"
        assert generation["usage"] == USAGE
    assert plain["model_parameters"] == {"max_tokens": 50, "stop_sequences": ["###"]}
    assert plain["input"] == [{"role": "system", "content": SYSTEM}, *MESSAGES]
    assert plain["output"]["content"][0] == {"type": "text", "text": fake_anthropic.ANSWER}
    assert streaming["output"]["content"] == [{"type": "text", "text": fake_anthropic.ANSWER}]
    assert streaming["time_to_first_token_ms"] is not None
    assert calling["input"] == {"messages": MESSAGES, "tools": TOOLS}
    assert calling["output"]["content"][0]["input"] == fake_anthropic.TOOL_INPUT


def test_async_calls_and_errors_are_recorded(
    client: sdk.Tracehouse, live_server: LiveServer, fake_anthropic_url: str
) -> None:
    llm = llm_for(fake_anthropic_url, is_async=True)

    async def run() -> None:
        async with llm:  # closed in this loop, not later by the collector against a dead one
            await llm.messages.create(model="claude-x", messages=MESSAGES, max_tokens=50)
            stream = await llm.messages.create(
                model="claude-x", messages=MESSAGES, max_tokens=50, tools=TOOLS, stream=True
            )
            [e async for e in stream]
            try:
                await llm.messages.create(model="unknown-model", messages=MESSAGES, max_tokens=5)
            except anthropic.NotFoundError:
                return
        raise AssertionError("the unknown model was answered")

    with sdk.span("async-chat") as chat:
        asyncio.run(run())
    assert client.flush()
    plain, streaming, failed = generations(live_server, chat.trace_id)
    assert plain["usage"] == USAGE
    tool_use = streaming["output"]["content"][0]
    assert tool_use["name"] == "get_weather" and tool_use["input"] == fake_anthropic.TOOL_INPUT
    assert failed["level"] == "ERROR"


def agent(llm: Any, question: str, tone: str) -> tuple[str, str]:
    """Plan, then answer following the plan: two LLM calls, the second built on the first."""
    with sdk.span("agent") as root:
        sdk.update_current_trace(name="replayed-anthropic-agent", input=question)
        messages: list[Any] = [{"role": "user", "content": f"Plan how to answer: {question}"}]
        plan = llm.messages.create(
            model="claude-x", system=SYSTEM, messages=messages, max_tokens=100
        )
        messages += [
            {"role": "assistant", "content": plan.content},
            {"role": "user", "content": f"Now answer, {tone}."},
        ]
        answer = llm.messages.create(
            model="claude-x", system=SYSTEM, messages=messages, max_tokens=100
        )
        text = str(answer.content[0].text)
        root.update(output=text)
    return text, root.trace_id


def post(server: LiveServer, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{server.url}{path}", json=body, headers=server.auth, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_sdk_replay_serves_the_recorded_call_and_goes_live(
    live_server: LiveServer, fake_anthropic_url: str
) -> None:
    client = sdk.configure(host=live_server.url, api_key=live_server.secret_key)
    llm = llm_for(fake_anthropic_url)
    fake_anthropic.SCRIPT.reset(("reply", PLAN))
    text, recorded_trace = agent(llm, "Capital of France?", "briefly")
    assert text == fake_anthropic.ANSWER
    assert client.flush()
    plan_step, answer_step = generations(live_server, recorded_trace)
    fork = post(
        live_server, "/api/v1/forks", {"trace_id": recorded_trace, "span_id": answer_step["id"]}
    )
    assert [s["id"] for s in fork["prefix"] if s["type"] == "generation"] == [plan_step["id"]]

    replaying = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, fork_id=fork["id"]
    )
    fake_anthropic.SCRIPT.reset()  # would answer the plan with ANSWER, were it asked
    text, replay_trace = agent(llm, "Capital of France?", "in French")
    assert text == fake_anthropic.ANSWER
    assert replaying.flush()

    sent = fake_anthropic.SCRIPT.requests
    assert len(sent) == 1, sent  # only the changed second call reached the provider
    assert sent[0]["messages"][-1]["content"] == "Now answer, in French."
    assert sent[0]["messages"][1]["content"][0]["text"] == PLAN  # the recorded plan, carried on
    assert sent[0]["system"] == SYSTEM
    replays = live_server.get(f"/api/v1/forks/{fork['id']}/replays")["data"]
    assert len(replays) == 1 and replays[0]["mode"] == "sdk"
    assert replays[0]["trace_id"] == replay_trace
    replay = read_trace(live_server, replay_trace)
    assert replay["metadata"]["fork_id"] == fork["id"]
    served, live = generations(live_server, replay_trace)
    assert served["metadata"]["replay"] == "recorded"
    assert served["metadata"]["recorded_step"] == plan_step["id"]
    assert served["output"]["content"][0]["text"] == PLAN
    assert served["usage"] == USAGE  # the served Message carries the recorded usage back
    assert "replay" not in (live["metadata"] or {})
    replaying.shutdown()


def test_a_recording_in_openai_form_is_served_as_a_message() -> None:
    from tracehouse.sdk._anthropic import _message

    step = {
        "id": "s1",
        "model": "claude-x",
        "output": {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {"id": "t1", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
            ],
        },
        "usage": {"input_tokens": 10, "output_tokens": 3},
    }
    message = _message(step, {})
    assert isinstance(message, anthropic.types.Message)
    assert message.content[0].text == "Checking."
    assert message.content[1].input == {"city": "Oslo"}
    assert message.stop_reason == "tool_use"
    assert message.usage.input_tokens == 10


async def async_agent(llm: Any, tone: str) -> tuple[str, str]:
    with sdk.span("async-anthropic-agent") as root:
        messages: list[Any] = [{"role": "user", "content": "Plan: capital of France?"}]
        plan = await llm.messages.create(model="claude-x", messages=messages, max_tokens=50)
        messages += [
            {"role": "assistant", "content": plan.content},
            {"role": "user", "content": f"Answer, {tone}."},
        ]
        answer = await llm.messages.create(model="claude-x", messages=messages, max_tokens=50)
    return str(answer.content[0].text), root.trace_id


async def run_async_agent(url: str, tone: str) -> tuple[str, str]:
    """A wrapped async client per event loop, closed in it (a client left open would be closed
    later, by the garbage collector, against a loop that no longer runs)."""
    async with llm_for(url, is_async=True) as llm:
        return await async_agent(llm, tone)


def test_async_clients_replay_too(live_server: LiveServer, fake_anthropic_url: str) -> None:
    client = sdk.configure(host=live_server.url, api_key=live_server.secret_key)
    fake_anthropic.SCRIPT.reset(("reply", PLAN))
    _, recorded_trace = asyncio.run(run_async_agent(fake_anthropic_url, "briefly"))
    assert client.flush()
    answer_step = generations(live_server, recorded_trace)[1]
    fork = post(
        live_server, "/api/v1/forks", {"trace_id": recorded_trace, "span_id": answer_step["id"]}
    )
    replaying = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, fork_id=fork["id"]
    )
    fake_anthropic.SCRIPT.reset()
    text, _ = asyncio.run(run_async_agent(fake_anthropic_url, "in one word"))
    assert text == fake_anthropic.ANSWER
    sent = fake_anthropic.SCRIPT.requests
    assert [r["messages"][1]["content"][0]["text"] for r in sent] == [PLAN]
    replaying.shutdown()
