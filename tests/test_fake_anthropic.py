"""The local Anthropic stand-in speaks the Messages API as the official `anthropic` SDK reads
it: plain and streamed answers, tool use, usage, errors and the request log."""

from __future__ import annotations

import anthropic
import httpx
import pytest
from tests import fake_anthropic

MODEL = "claude-3-5-haiku-latest"
TOOL = {
    "name": "get_weather",
    "description": "Weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def _client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)


def test_plain_answer_and_usage(fake_anthropic_url: str) -> None:
    message = _client(fake_anthropic_url).messages.create(
        model=MODEL,
        max_tokens=64,
        system="Be brief.",
        messages=[{"role": "user", "content": "Capital of France?"}],
    )
    assert message.content[0].type == "text"
    assert message.content[0].text == fake_anthropic.ANSWER
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == fake_anthropic.INPUT_TOKENS
    assert message.usage.output_tokens == fake_anthropic.OUTPUT_TOKENS
    sent = fake_anthropic.SCRIPT.requests[-1]
    assert sent["system"] == "Be brief."
    headers = fake_anthropic.SCRIPT.calls[-1][1]
    assert "sk-ant-test" in (headers.get("x-api-key") or headers["authorization"])


def test_streamed_text_event_sequence(fake_anthropic_url: str) -> None:
    client = _client(fake_anthropic_url)
    with client.messages.stream(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Capital?"}]
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    assert {"content_block_start", "content_block_delta", "content_block_stop"} <= set(kinds)
    assert kinds.count("text") == len(fake_anthropic.ANSWER.split(" "))
    assert final.content[0].text == fake_anthropic.ANSWER
    assert final.usage.output_tokens == fake_anthropic.OUTPUT_TOKENS
    assert final.usage.input_tokens == fake_anthropic.INPUT_TOKENS


def test_tool_use_plain_and_streamed(fake_anthropic_url: str) -> None:
    client = _client(fake_anthropic_url)
    ask = [{"role": "user", "content": "Weather in Paris?"}]
    message = client.messages.create(model=MODEL, max_tokens=64, tools=[TOOL], messages=ask)
    assert message.stop_reason == "tool_use"
    block = message.content[0]
    assert block.type == "tool_use" and block.name == "get_weather"
    assert block.input == fake_anthropic.TOOL_INPUT
    with client.messages.stream(model=MODEL, max_tokens=64, tools=[TOOL], messages=ask) as s:
        streamed = s.get_final_message()
    assert streamed.content[0].type == "tool_use"
    assert streamed.content[0].input == fake_anthropic.TOOL_INPUT
    result = {"type": "tool_result", "tool_use_id": block.id, "content": "sunny"}
    answered = [*ask, {"role": "assistant", "content": message.content}]
    answered.append({"role": "user", "content": [result]})
    final = client.messages.create(model=MODEL, max_tokens=64, tools=[TOOL], messages=answered)
    assert final.content[0].type == "text"


def test_refusals_in_anthropic_shape(fake_anthropic_url: str) -> None:
    body = {"model": MODEL, "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
    keyless = httpx.post(f"{fake_anthropic_url}/v1/messages", json=body)
    assert keyless.status_code == 401
    assert keyless.json()["error"]["type"] == "authentication_error"
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    no_max = {k: v for k, v in body.items() if k != "max_tokens"}
    refused = httpx.post(f"{fake_anthropic_url}/v1/messages", json=no_max, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["type"] == "error"
    fake_anthropic.SCRIPT.reset(("status", 529))
    with pytest.raises(anthropic.APIStatusError) as caught:
        _client(fake_anthropic_url).messages.create(
            model=MODEL, max_tokens=8, messages=[{"role": "user", "content": "x"}]
        )
    assert caught.value.status_code == 529
    fake_anthropic.SCRIPT.reset(("reply", "scripted words"))
    message = _client(fake_anthropic_url).messages.create(
        model=MODEL, max_tokens=8, messages=[{"role": "user", "content": "x"}]
    )
    assert message.content[0].text == "scripted words"


def test_overloaded_mid_stream(fake_anthropic_url: str) -> None:
    fake_anthropic.SCRIPT.reset(("overloaded", None))
    client = _client(fake_anthropic_url)
    ask = [{"role": "user", "content": "Capital?"}]
    with (
        pytest.raises(anthropic.APIStatusError, match="Overloaded"),
        client.messages.stream(model=MODEL, max_tokens=64, messages=ask) as stream,
    ):
        for _ in stream:
            pass
