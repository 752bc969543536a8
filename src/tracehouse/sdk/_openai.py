"""`wrap_openai`: record every `chat.completions.create` of an OpenAI client (sync or async,
streaming or not) as a generation: model, parameters, messages, output, usage, time to first
token, errors. When the client replays a fork, a call the recording answers is served from it
(see `_replay.py`). The client is otherwise untouched and `openai` is imported only to build a
served answer."""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any, TypeVar

from tracehouse.sdk._generation import Provider, failed, wrap_create
from tracehouse.sdk._observation import Observation
from tracehouse.sdk._replay import served_output

logger = logging.getLogger("tracehouse.sdk")
C = TypeVar("C")
_PARAMETERS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "n",
    "stop",
    "response_format",
    "tool_choice",
    "reasoning_effort",
    "stream",
)


def wrap_openai(client: C, *, name: str = "ChatCompletion") -> C:
    """Trace `client.chat.completions.create` (an `openai.OpenAI` or `AsyncOpenAI`); returns
    the same client. Streams are recorded when consumed; ask for
    `stream_options={"include_usage": True}` to get their token usage."""
    completions: Any = client.chat.completions  # type: ignore[attr-defined]
    original = completions.create
    if getattr(original, "__tracehouse__", False):
        return client
    is_async = inspect.iscoroutinefunction(inspect.unwrap(original))  # openai wraps `create`
    completions.create = wrap_create(original, name, _OPENAI, is_async=is_async)
    return client


def _input(kwargs: dict[str, Any]) -> Any:
    messages, tools = kwargs.get("messages"), kwargs.get("tools")
    return {"messages": messages, "tools": tools} if tools else messages


def _completion(step: dict[str, Any], kwargs: dict[str, Any]) -> Any:
    """A recorded generation as an `openai` ChatCompletion."""
    from openai.types.chat import ChatCompletion

    message = served_output(step)
    usage = step.get("usage") or {}
    body: dict[str, Any] = {
        "id": f"replay-{step.get('id')}",
        "object": "chat.completion",
        "created": 0,
        "model": step.get("model") or kwargs.get("model") or "",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
    }
    if usage.get("input_tokens") is not None:
        prompt, completion = usage["input_tokens"], usage.get("output_tokens") or 0
        body["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    return ChatCompletion.model_validate(body)


def _usage(usage: Any) -> dict[str, Any] | None:
    """OpenAI's usage object to Tracehouse's token counts."""
    if usage is None:
        return None
    out = {
        "input_tokens": getattr(usage, "prompt_tokens", None),
        "output_tokens": getattr(usage, "completion_tokens", None),
        "total_tokens": getattr(usage, "total_tokens", None),
    }
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    reasoning = getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", None)
    if cached:
        out["cache_read_tokens"] = cached
    if reasoning:
        out["reasoning_tokens"] = reasoning
    return {k: v for k, v in out.items() if v is not None}


def _finish(observation: Observation, response: Any) -> None:
    try:
        choices = getattr(response, "choices", None) or []
        output = choices[0].message if len(choices) == 1 else [c.message for c in choices]
        observation.end(
            output=output, usage=_usage(getattr(response, "usage", None)), model=response.model
        )
    except Exception:
        logger.exception("tracehouse: could not read an OpenAI response (ignored)")
        observation.end()


class _Chunks:
    """What a stream produced so far: text, tool calls, usage, the first token's time."""

    def __init__(self, observation: Observation) -> None:
        self.observation = observation
        self.text: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.first_token_ns: int | None = None
        self.usage: Any = None
        self.model: str | None = None

    def see(self, chunk: Any) -> None:
        try:
            self.model = getattr(chunk, "model", None) or self.model
            self.usage = getattr(chunk, "usage", None) or self.usage
            for choice in getattr(chunk, "choices", None) or []:
                self._delta(choice.delta)
        except Exception:
            logger.exception("tracehouse: could not read a stream chunk (ignored)")

    def _delta(self, delta: Any) -> None:
        if delta is None:
            return
        if (delta.content or delta.tool_calls) and self.first_token_ns is None:
            self.first_token_ns = time.time_ns()
        if delta.content:
            self.text.append(delta.content)
        for call in delta.tool_calls or []:
            slot = self.tool_calls.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
            slot["id"] = call.id or slot["id"]
            if call.function is not None:
                slot["name"] += call.function.name or ""
                slot["arguments"] += call.function.arguments or ""

    def done(self) -> None:
        output: dict[str, Any] = {"role": "assistant", "content": "".join(self.text) or None}
        if self.tool_calls:
            output["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        self.observation.end(
            output=output,
            usage=_usage(self.usage),
            model=self.model,
            completion_start_time=self.first_token_ns,
        )

    def failed(self, error: BaseException) -> None:
        failed(self.observation, error)


_OPENAI = Provider(
    name="openai",
    label="OpenAI",
    parameters=_PARAMETERS,
    input=_input,
    finish=_finish,
    answer=_completion,
    recorder=_Chunks,
)
