"""Streamed chat calls for every provider kind (client.py builds the request; this module adds the
parameters, asks for a stream and reads the server-sent events of OpenAI-compatible servers and of
Anthropic's Messages API). Not retried: the person watching the stream presses Run again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tracehouse.clock import now_us
from tracehouse.providers.client import Completion, Options, Provider, ProviderError, _request

#: Anthropic requires `max_tokens`; the playground's default when none is given.
DEFAULT_MAX_TOKENS = 1024


@dataclass
class Streamed:
    """What a stream said so far: the text, tool calls, usage and when the first token came."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    first_token_us: int | None = None
    finish_reason: str | None = None
    model: str | None = None


def _openai_body(body: dict[str, Any], params: dict[str, Any]) -> None:
    for name in ("max_tokens", "top_p", "stop", "tools"):
        if params.get(name) is not None:
            body[name] = params[name]
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}


def _anthropic_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI-style function tool as Anthropic declares it."""
    function = tool.get("function") or tool
    schema = function.get("parameters") or function.get("input_schema") or {"type": "object"}
    out = {"name": function.get("name"), "input_schema": schema}
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _anthropic_body(body: dict[str, Any], params: dict[str, Any]) -> None:
    body["max_tokens"] = params.get("max_tokens") or DEFAULT_MAX_TOKENS
    if params.get("top_p") is not None:
        body["top_p"] = params["top_p"]
    if params.get("stop"):
        body["stop_sequences"] = params["stop"]
    if params.get("tools"):
        body["tools"] = [_anthropic_tool(t) for t in params["tools"]]
    body["stream"] = True


def build(
    provider: Provider, model: str, messages: list[dict[str, str]], params: dict[str, Any]
) -> tuple[str, dict[str, str], dict[str, Any], dict[str, str]]:
    """(url, headers, body, query) of a streamed call: client.py's request plus `params`
    (`temperature`, `max_tokens`, `top_p`, `stop`, `tools` in OpenAI's function format)."""
    temperature = params.get("temperature")
    url, headers, body, query = _request(provider, model, messages, Options(temperature or 0.0))
    if temperature is None:
        body.pop("temperature", None)
    if provider.kind == "anthropic":
        _anthropic_body(body, params)
    else:
        _openai_body(body, params)
    return url, headers, body, query


def _openai_tool_delta(state: Streamed, delta: dict[str, Any]) -> None:
    for part in delta.get("tool_calls") or []:
        index = int(part.get("index") or 0)
        while len(state.tool_calls) <= index:
            state.tool_calls.append({"id": None, "name": "", "arguments": ""})
        call, function = state.tool_calls[index], part.get("function") or {}
        call["id"] = part.get("id") or call["id"]
        call["name"] += function.get("name") or ""
        call["arguments"] += function.get("arguments") or ""


def read_openai(state: Streamed, event: dict[str, Any]) -> str:
    """Fold one OpenAI chunk into `state`; the text it adds."""
    state.model = event.get("model") or state.model
    usage = event.get("usage") or {}
    if usage:
        state.input_tokens = usage.get("prompt_tokens")
        state.output_tokens = usage.get("completion_tokens")
        state.cache_read_tokens = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    text = ""
    for choice in event.get("choices") or []:
        delta = choice.get("delta") or {}
        text += delta.get("content") or ""
        _openai_tool_delta(state, delta)
        state.finish_reason = choice.get("finish_reason") or state.finish_reason
    return text


def _anthropic_usage(state: Streamed, usage: dict[str, Any]) -> None:
    if usage.get("input_tokens") is not None:  # Tracehouse's input tokens include the cache's
        cached = usage.get("cache_read_input_tokens") or 0
        written = usage.get("cache_creation_input_tokens") or 0
        state.input_tokens = usage["input_tokens"] + cached + written
        state.cache_read_tokens = usage.get("cache_read_input_tokens")
    if usage.get("output_tokens") is not None:
        state.output_tokens = usage["output_tokens"]


def read_anthropic(state: Streamed, event: dict[str, Any]) -> str:
    """Fold one Anthropic event into `state`; the text it adds."""
    kind = event.get("type")
    if kind == "message_start":
        message = event.get("message") or {}
        state.model = message.get("model") or state.model
        _anthropic_usage(state, message.get("usage") or {})
    elif kind == "content_block_start":
        block = event.get("content_block") or {}
        if block.get("type") == "tool_use":
            call = {"id": block.get("id"), "name": block.get("name") or "", "arguments": ""}
            state.tool_calls.append(call)
    elif kind == "content_block_delta":
        delta = event.get("delta") or {}
        if delta.get("type") == "input_json_delta" and state.tool_calls:
            state.tool_calls[-1]["arguments"] += delta.get("partial_json") or ""
        return str(delta.get("text") or "")
    elif kind == "message_delta":
        state.finish_reason = (event.get("delta") or {}).get("stop_reason")
        _anthropic_usage(state, event.get("usage") or {})
    elif kind == "error":
        raise ProviderError(f"provider error mid-stream: {event.get('error')}", 1)
    return ""


@dataclass
class Stream:
    """An open streamed answer: iterate `texts()`, then read `state` and `completion()`."""

    kind: str
    model: str
    response: httpx.Response
    start_us: int
    state: Streamed = field(default_factory=Streamed)

    async def texts(self) -> AsyncIterator[str]:
        """The text deltas as they arrive (tool calls and usage accumulate in `state`)."""
        try:
            async for data in self._data():
                text = self._read(self.state, json.loads(data))
                if text:
                    self.state.first_token_us = self.state.first_token_us or now_us()
                    self.state.text += text
                    yield text
        except httpx.HTTPError as exc:
            raise ProviderError(f"the stream broke off: {type(exc).__name__}: {exc}", 1) from exc
        except ValueError as exc:
            raise ProviderError(f"the provider sent an unreadable event: {exc}", 1) from exc

    @property
    def _read(self) -> Any:
        return read_anthropic if self.kind == "anthropic" else read_openai

    async def _data(self) -> AsyncIterator[str]:
        """The `data:` payloads of the server-sent events."""
        async for line in self.response.aiter_lines():
            data = line[5:].strip() if line.startswith("data:") else ""
            if data and data != "[DONE]":
                yield data

    def completion(self) -> Completion:
        state = self.state
        return Completion(
            text=state.text,
            model=state.model or self.model,
            input_tokens=state.input_tokens,
            output_tokens=state.output_tokens,
            start_us=self.start_us,
            end_us=now_us(),
        )


async def _refusal(provider: Provider, response: httpx.Response) -> ProviderError:
    body = (await response.aread()).decode(errors="replace")[:300]
    shown = body.replace(provider.api_key, "…")
    status = response.status_code
    return ProviderError(f"provider refused the call (HTTP {status}: {shown})", 1, status)


@asynccontextmanager
async def open_stream(
    provider: Provider,
    model: str,
    messages: list[dict[str, str]],
    params: dict[str, Any],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Stream]:
    """Send the call and wait for the answer's status: a refusal raises `ProviderError` before
    anything is yielded; a success yields the `Stream` to read."""
    url, headers, body, query = build(provider, model, messages, params)
    start = now_us()
    async with httpx.AsyncClient(timeout=provider.timeout_seconds, transport=transport) as client:
        request = client.build_request("POST", url, json=body, headers=headers, params=query)
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise ProviderError(f"timed out after {provider.timeout_seconds} s", 1) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}", 1) from exc
        try:
            if not response.is_success:
                raise await _refusal(provider, response)
            yield Stream(provider.kind, model, response, start)
        finally:
            await response.aclose()
