"""`wrap_openai`: record every `chat.completions.create` of an OpenAI client (sync or async,
streaming or not) as a generation: model, parameters, messages, output, usage, time to first
token, errors. When the client replays a fork, a call the recording answers is served from it
(see `_replay.py`). The client is otherwise untouched and `openai` is imported only to build a
served answer."""

from __future__ import annotations

import functools
import inspect
import logging
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any, TypeVar

from tracehouse.sdk import _client
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
    completions.create = (_async_create if is_async else _sync_create)(original, name)
    completions.create.__tracehouse__ = True
    return client


def _start(name: str, kwargs: dict[str, Any]) -> Observation | None:
    try:
        client = _client.get_client()
        if not client.enabled:
            return None
        fields: dict[str, Any] = {
            "name": name,
            "model": kwargs.get("model"),
            "provider": "openai",
            "model_parameters": {k: kwargs[k] for k in _PARAMETERS if k in kwargs},
            "input": _input(kwargs),
        }
        return client.start_fast("generation", fields)
    except Exception:
        logger.exception("tracehouse: could not start an OpenAI generation (ignored)")
        return None


def _input(kwargs: dict[str, Any]) -> Any:
    messages, tools = kwargs.get("messages"), kwargs.get("tools")
    return {"messages": messages, "tools": tools} if tools else messages


def _served(observation: Observation, kwargs: dict[str, Any]) -> Any:
    """The recorded answer to this call when the client replays a fork and the recording has
    one (the generation is then recorded with it), else None."""
    replay = observation.client.replay
    if replay is None:
        return None
    try:
        step = replay.answer(observation, _input(kwargs), servable=not kwargs.get("stream"))
        if step is None:
            return None
        response = _completion(step, kwargs)
    except Exception:
        logger.exception("tracehouse: could not serve a recorded call (sent live)")
        return None
    observation.update(metadata={"replay": "recorded", "recorded_step": step.get("id")})
    _finish(observation, response)
    return response


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


def _failed(observation: Observation, error: BaseException) -> None:
    observation.fail(error)
    observation.end()


def _sync_create(original: Any, name: str) -> Any:
    @functools.wraps(original)
    def create(*args: Any, **kwargs: Any) -> Any:
        observation = _start(name, kwargs)
        if observation is None:
            return original(*args, **kwargs)
        served = _served(observation, kwargs)
        if served is not None:
            return served
        try:
            response = original(*args, **kwargs)
        except BaseException as error:
            _failed(observation, error)
            raise
        if kwargs.get("stream"):
            return _observe_stream(response, observation)
        _finish(observation, response)
        return response

    return create


def _async_create(original: Any, name: str) -> Any:
    @functools.wraps(original)
    async def create(*args: Any, **kwargs: Any) -> Any:
        observation = _start(name, kwargs)
        if observation is None:
            return await original(*args, **kwargs)
        served = _served(observation, kwargs)
        if served is not None:
            return served
        try:
            response = await original(*args, **kwargs)
        except BaseException as error:
            _failed(observation, error)
            raise
        if kwargs.get("stream"):
            return _observe_async_stream(response, observation)
        _finish(observation, response)
        return response

    return create


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
        _failed(self.observation, error)


def _observe_stream(stream: Any, observation: Observation) -> Any:
    """Record the generation as the app reads `stream` (the genuine `openai.Stream`, so
    `isinstance` checks hold): when it is exhausted, fails, is closed, or is collected unread."""
    chunks = _Chunks(observation)
    observed = _chunks(stream._iterator, chunks)
    stream._iterator = observed
    original = type(stream).close
    owner = weakref.ref(stream)  # no cycle through the stream: it can still be collected

    def close() -> None:
        try:
            target = owner()
            if target is not None:
                original(target)
        finally:
            observed.close()

    stream.close = close
    return stream


def _chunks(iterator: Iterator[Any], chunks: _Chunks) -> Generator[Any, None, None]:
    try:
        for chunk in iterator:
            chunks.see(chunk)
            yield chunk
    except GeneratorExit:  # closed, or collected before the end: record what was read
        chunks.done()
        raise
    except BaseException as error:
        chunks.failed(error)
        raise
    chunks.done()


def _observe_async_stream(stream: Any, observation: Observation) -> Any:
    """The `openai.AsyncStream` twin of `_observe_stream`."""
    chunks = _Chunks(observation)
    observed = _achunks(stream._iterator, chunks)
    stream._iterator = observed
    original = type(stream).close
    owner = weakref.ref(stream)

    async def close() -> None:
        try:
            target = owner()
            if target is not None:
                await original(target)
        finally:
            await observed.aclose()

    stream.close = close
    return stream


async def _achunks(iterator: AsyncIterator[Any], chunks: _Chunks) -> AsyncGenerator[Any, None]:
    try:
        async for chunk in iterator:
            chunks.see(chunk)
            yield chunk
    except GeneratorExit:
        chunks.done()
        raise
    except BaseException as error:
        chunks.failed(error)
        raise
    chunks.done()
