"""`wrap_openai`: the real `openai` client (sync and async, plain and streaming, tool calls,
errors) against the local OpenAI-compatible server; the generations arrive with model,
parameters, messages, output, usage and time to first token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from tests import fake_openai
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace
from tests.server import free_port

from tracehouse import sdk

MESSAGES = [{"role": "user", "content": "Capital of France?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
USAGE = {
    "input_tokens": fake_openai.PROMPT_TOKENS,
    "output_tokens": fake_openai.COMPLETION_TOKENS,
    "total_tokens": fake_openai.PROMPT_TOKENS + fake_openai.COMPLETION_TOKENS,
    "cache_read_tokens": fake_openai.CACHED_TOKENS,
    "cache_write_tokens": None,
    "reasoning_tokens": None,
}


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def generations(server: LiveServer, trace_id: str) -> list[dict[str, Any]]:
    """The SDK's generations (OTel instrumentations that earlier tests left on the openai
    client also report theirs into the trace: they nest under our spans, as they should)."""
    trace = read_trace(server, trace_id)
    return [
        o
        for o in trace["observations"]
        if o["type"] == "generation" and "resource" not in (o["metadata"] or {})
    ]


def test_sync_calls_plain_streamed_and_tools(
    client: sdk.Tracehouse, live_server: LiveServer, openai_url: str
) -> None:
    llm = sdk.wrap_openai(openai.OpenAI(base_url=openai_url, api_key="sk-test"))
    with sdk.span("chat") as chat:
        answer = llm.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, temperature=0.1, max_tokens=50
        )
        stream = llm.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        tool = llm.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS)
    assert answer.choices[0].message.content == streamed == fake_openai.ANSWER
    assert tool.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert client.flush()

    plain, streaming, calling = generations(live_server, chat.trace_id)
    for generation in (plain, streaming, calling):
        assert generation["parent_id"] == chat.id
        assert generation["model"] == "gpt-4o-mini"
        assert generation["provider"] == "openai"
        assert generation["usage"] == USAGE
        assert generation["cost"]["total"] > 0
    assert plain["model_parameters"] == {"temperature": 0.1, "max_tokens": 50}
    assert plain["input"] == MESSAGES
    assert plain["output"]["content"] == fake_openai.ANSWER
    assert plain["time_to_first_token_ms"] is None
    assert streaming["output"] == {"role": "assistant", "content": fake_openai.ANSWER}
    assert streaming["time_to_first_token_ms"] is not None
    assert streaming["model_parameters"] == {"stream": True}
    assert calling["input"] == {"messages": MESSAGES, "tools": TOOLS}
    assert calling["output"]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_async_calls_and_a_stream_used_as_context_manager(
    client: sdk.Tracehouse, live_server: LiveServer, openai_url: str
) -> None:
    raw = openai.AsyncOpenAI(base_url=openai_url, api_key="sk-test")
    llm = sdk.wrap_openai(raw)

    @sdk.observe
    async def agent() -> str:
        trace_ids.append(sdk.current_observation().trace_id)  # type: ignore[union-attr]
        await llm.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        stream = await llm.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, stream=True
        )
        async with stream:
            chunks = [c async for c in stream]
        await raw.close()  # in its own loop: a client left open is closed later on a dead loop
        return str(len(chunks))

    trace_ids: list[str] = []
    asyncio.run(agent())
    assert client.flush()

    plain, streaming = generations(live_server, trace_ids[0])
    assert plain["usage"] == USAGE
    assert streaming["output"]["tool_calls"] == [
        {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    ]
    assert streaming["usage"]["total_tokens"] is None  # no include_usage: no usage to record
    assert streaming["time_to_first_token_ms"] is not None


def test_errors_are_recorded_and_raised(client: sdk.Tracehouse, live_server: LiveServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/v1"
    llm = sdk.wrap_openai(openai.OpenAI(base_url=nowhere, api_key="sk-test", max_retries=0))
    assert sdk.wrap_openai(llm) is llm
    with sdk.span("failing") as span, pytest.raises(openai.APIConnectionError):
        llm.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert client.flush()
    (generation,) = generations(live_server, span.trace_id)
    assert generation["level"] == "ERROR"
    assert generation["status_message"].startswith("APIConnectionError")


def test_a_wrapped_stream_is_an_openai_stream_recorded_even_when_abandoned(
    client: sdk.Tracehouse, live_server: LiveServer, openai_url: str
) -> None:
    import gc

    llm = sdk.wrap_openai(openai.OpenAI(base_url=openai_url, api_key="sk-test"))
    with sdk.span("abandoning") as span:
        closed = llm.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        assert isinstance(closed, openai.Stream)
        next(iter(closed))
        closed.close()  # stopped after one chunk, then closed
        dropped = llm.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        next(dropped)
        del dropped  # stopped reading and let go: recorded when collected
        gc.collect()
    assert client.flush()
    recorded = generations(live_server, span.trace_id)
    assert len(recorded) == 2
    for generation in recorded:
        assert generation["output"]["role"] == "assistant"
        assert generation["end_time"] is not None


def test_an_abandoned_async_stream_is_recorded(
    client: sdk.Tracehouse, live_server: LiveServer, openai_url: str
) -> None:
    import gc

    raw = openai.AsyncOpenAI(base_url=openai_url, api_key="sk-test")
    llm = sdk.wrap_openai(raw)

    async def main() -> str:
        with sdk.span("abandoning-async") as span:
            stream = await llm.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True
            )
            assert isinstance(stream, openai.AsyncStream)
            await stream.__anext__()
            del stream
            gc.collect()
            await asyncio.sleep(0.2)  # the loop finalises the abandoned generator
        await raw.close()
        return span.trace_id

    trace_id = asyncio.run(main())
    assert client.flush()
    (generation,) = generations(live_server, trace_id)
    assert generation["output"]["role"] == "assistant"
