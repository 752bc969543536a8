"""`wrap_anthropic`: record every `messages.create` of an Anthropic client (sync or async,
streaming or not) as a generation: model, parameters, system and messages, output blocks
(text, tool use), usage, errors. When the client replays a fork, a non-streaming call the
recording answers is served from it as an `anthropic` `Message` (see `_replay.py`); streams go
live. The client is otherwise untouched and `anthropic` is imported only to build a served
answer."""

from __future__ import annotations

import inspect
import json
import logging
import time
from typing import Any, TypeVar

from tracehouse.sdk._generation import Provider, failed, wrap_create
from tracehouse.sdk._observation import Observation
from tracehouse.sdk._replay import served_output

logger = logging.getLogger("tracehouse.sdk")
C = TypeVar("C")
_PARAMETERS = (
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "tool_choice",
    "thinking",
    "output_config",
    "service_tier",
    "stream",
)


def wrap_anthropic(client: C, *, name: str = "Message") -> C:
    """Trace `client.messages.create` (an `anthropic.Anthropic` or `AsyncAnthropic`); returns
    the same client. Streams (`stream=True`) are recorded when consumed."""
    messages: Any = client.messages  # type: ignore[attr-defined]
    original = messages.create
    if getattr(original, "__tracehouse__", False):
        return client
    is_async = inspect.iscoroutinefunction(inspect.unwrap(original))
    messages.create = wrap_create(original, name, _ANTHROPIC, is_async=is_async)
    return client


def _input(kwargs: dict[str, Any]) -> Any:
    """The call's input as recorded and matched: the system prompt as the first message."""
    messages = list(kwargs.get("messages") or [])
    if kwargs.get("system") is not None:
        messages.insert(0, {"role": "system", "content": kwargs["system"]})
    tools = kwargs.get("tools")
    return {"messages": messages, "tools": tools} if tools else messages


def _usage(usage: Any) -> dict[str, Any] | None:
    """Anthropic's usage to Tracehouse's token counts (whose input tokens include the cache's)."""
    if usage is None or getattr(usage, "input_tokens", None) is None:
        return None
    read = getattr(usage, "cache_read_input_tokens", None) or 0
    written = getattr(usage, "cache_creation_input_tokens", None) or 0
    prompt, completion = usage.input_tokens + read + written, usage.output_tokens or 0
    out = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
    if read:
        out["cache_read_tokens"] = read
    if written:
        out["cache_write_tokens"] = written
    return out


def _finish(observation: Observation, response: Any) -> None:
    try:
        content = [b.model_dump(exclude_none=True) for b in response.content]
        output = {"role": "assistant", "content": content}
        observation.end(output=output, usage=_usage(response.usage), model=response.model)
    except Exception:
        logger.exception("tracehouse: could not read an Anthropic response (ignored)")
        observation.end()


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A recorded assistant message's content as Anthropic blocks (recorded by this wrapper,
    or in OpenAI's form: text and `tool_calls`)."""
    content = message.get("content")
    if isinstance(content, list):
        return [b for b in content if isinstance(b, dict) and b.get("type")]
    blocks = [{"type": "text", "text": content}] if content else []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        arguments = function.get("arguments") or "{}"
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        block = {"type": "tool_use", "id": call.get("id"), "name": function.get("name")}
        blocks.append({**block, "input": parsed})
    return blocks


def _message(step: dict[str, Any], kwargs: dict[str, Any]) -> Any:
    """A recorded generation as an `anthropic` Message."""
    from anthropic.types import Message

    content = _blocks(served_output(step))
    usage = step.get("usage") or {}
    read, written = usage.get("cache_read_tokens") or 0, usage.get("cache_write_tokens") or 0
    uses_tool = any(b.get("type") == "tool_use" for b in content)
    body: dict[str, Any] = {
        "id": f"replay-{step.get('id')}",
        "type": "message",
        "role": "assistant",
        "model": step.get("model") or kwargs.get("model") or "",
        "content": content,
        "stop_reason": "tool_use" if uses_tool else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": max((usage.get("input_tokens") or 0) - read - written, 0),
            "output_tokens": usage.get("output_tokens") or 0,
            "cache_read_input_tokens": read or None,
            "cache_creation_input_tokens": written or None,
        },
    }
    return Message.model_validate(body)


class _Events:
    """What an Anthropic stream produced so far: its blocks, usage, the first token's time."""

    def __init__(self, observation: Observation) -> None:
        self.observation = observation
        self.message: Any = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.output_tokens: int | None = None
        self.first_token_ns: int | None = None

    def see(self, event: Any) -> None:
        try:
            self._event(event)
        except Exception:
            logger.exception("tracehouse: could not read a stream event (ignored)")

    def _event(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "message_start":
            self.message = event.message
        elif kind == "content_block_start":
            self.blocks[event.index] = event.content_block.model_dump(exclude_none=True)
        elif kind == "content_block_delta":
            self._delta(self.blocks.setdefault(event.index, {}), event.delta)
        elif kind == "message_delta":
            self.output_tokens = getattr(event.usage, "output_tokens", None)

    def _delta(self, block: dict[str, Any], delta: Any) -> None:
        if self.first_token_ns is None:
            self.first_token_ns = time.time_ns()
        if delta.type == "text_delta":
            block["text"] = block.get("text", "") + delta.text
        elif delta.type == "input_json_delta":
            block["partial_json"] = block.get("partial_json", "") + delta.partial_json

    def _content(self) -> list[dict[str, Any]]:
        content = []
        for index in sorted(self.blocks):
            block = dict(self.blocks[index])
            if "partial_json" in block:
                block["input"] = json.loads(block.pop("partial_json") or "{}")
            content.append(block)
        return content

    def done(self) -> None:
        usage = None
        if self.message is not None:
            usage = self.message.usage.model_copy()
            if self.output_tokens is not None:
                usage.output_tokens = self.output_tokens
        self.observation.end(
            output={"role": "assistant", "content": self._content()},
            usage=_usage(usage),
            model=getattr(self.message, "model", None),
            completion_start_time=self.first_token_ns,
        )

    def failed(self, error: BaseException) -> None:
        failed(self.observation, error)


_ANTHROPIC = Provider(
    name="anthropic",
    label="Anthropic",
    parameters=_PARAMETERS,
    input=_input,
    finish=_finish,
    answer=_message,
    recorder=_Events,
)
