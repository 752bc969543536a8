"""What `wrap_openai` and `wrap_anthropic` share: a provider's `create` (sync or async,
streaming or not) recorded as a generation, a call a fork's recording answers served from it,
and a stream recorded as the app reads it. Each provider module supplies a `Provider`: its
parameters, its input shape, how it reads a response, builds a served answer and follows a
stream."""

from __future__ import annotations

import functools
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from tracehouse.sdk import _client
from tracehouse.sdk._observation import Observation

logger = logging.getLogger("tracehouse.sdk")


class StreamRecorder(Protocol):
    """Follows a stream's chunks and records the generation when the stream ends."""

    def see(self, chunk: Any) -> None: ...

    def done(self) -> None: ...

    def failed(self, error: BaseException) -> None: ...


@dataclass(frozen=True)
class Provider:
    """How one provider's calls are recorded."""

    name: str  # as recorded (`provider`)
    label: str  # as logged
    parameters: tuple[str, ...]  # the call's keyword arguments recorded as model parameters
    input: Callable[[dict[str, Any]], Any]  # the call's input as recorded and matched
    finish: Callable[[Observation, Any], None]  # end the generation with a response
    answer: Callable[[dict[str, Any], dict[str, Any]], Any]  # a recorded step as a response
    recorder: Callable[[Observation], StreamRecorder]  # follows a stream


def failed(observation: Observation, error: BaseException) -> None:
    """End the generation as failed with `error`."""
    observation.fail(error)
    observation.end()


def wrap_create(original: Any, name: str, provider: Provider, *, is_async: bool) -> Any:
    """`original` (a client's `create`) recording each call as a generation named `name`."""
    create = (_async_create if is_async else _sync_create)(original, name, provider)
    create.__tracehouse__ = True
    return create


def _start(provider: Provider, name: str, kwargs: dict[str, Any]) -> Observation | None:
    try:
        client = _client.get_client()
        if not client.enabled:
            return None
        fields: dict[str, Any] = {
            "name": name,
            "model": kwargs.get("model"),
            "provider": provider.name,
            "model_parameters": {k: kwargs[k] for k in provider.parameters if k in kwargs},
            "input": provider.input(kwargs),
        }
        return client.start_fast("generation", fields)
    except Exception:
        logger.exception("tracehouse: could not start an %s generation (ignored)", provider.label)
        return None


def _served(provider: Provider, observation: Observation, kwargs: dict[str, Any]) -> Any:
    """The recorded answer to this call when the client replays a fork and the recording has
    one (the generation is then recorded with it), else None."""
    replay = observation.client.replay
    if replay is None:
        return None
    try:
        servable = not kwargs.get("stream")
        step = replay.answer(observation, provider.input(kwargs), servable=servable)
        if step is None:
            return None
        response = provider.answer(step, kwargs)
    except Exception:
        logger.exception("tracehouse: could not serve a recorded call (sent live)")
        return None
    observation.update(metadata={"replay": "recorded", "recorded_step": step.get("id")})
    provider.finish(observation, response)
    return response


def _sync_create(original: Any, name: str, provider: Provider) -> Any:
    @functools.wraps(original)
    def create(*args: Any, **kwargs: Any) -> Any:
        observation = _start(provider, name, kwargs)
        if observation is None:
            return original(*args, **kwargs)
        served = _served(provider, observation, kwargs)
        if served is not None:
            return served
        try:
            response = original(*args, **kwargs)
        except BaseException as error:
            failed(observation, error)
            raise
        return _settle(provider, observation, response, kwargs, _observe_stream)

    return create


def _async_create(original: Any, name: str, provider: Provider) -> Any:
    @functools.wraps(original)
    async def create(*args: Any, **kwargs: Any) -> Any:
        observation = _start(provider, name, kwargs)
        if observation is None:
            return await original(*args, **kwargs)
        served = _served(provider, observation, kwargs)
        if served is not None:
            return served
        try:
            response = await original(*args, **kwargs)
        except BaseException as error:
            failed(observation, error)
            raise
        return _settle(provider, observation, response, kwargs, _observe_async_stream)

    return create


def _settle(provider: Provider, observation: Any, response: Any, kwargs: Any, observe: Any) -> Any:
    """A stream comes back observed (recorded as it is read); any other response is recorded now."""
    if kwargs.get("stream"):
        return observe(response, provider.recorder(observation))
    provider.finish(observation, response)
    return response


def _observe_stream(stream: Any, recorder: StreamRecorder) -> Any:
    """Record the generation as the app reads `stream` (the genuine `openai.Stream` or
    `anthropic.Stream`, so `isinstance` checks hold): when it is exhausted, fails, is closed,
    or is collected unread."""
    observed = _chunks(stream._iterator, recorder)
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


def _chunks(iterator: Iterator[Any], recorder: StreamRecorder) -> Generator[Any, None, None]:
    try:
        for chunk in iterator:
            recorder.see(chunk)
            yield chunk
    except GeneratorExit:  # closed, or collected before the end: record what was read
        recorder.done()
        raise
    except BaseException as error:
        recorder.failed(error)
        raise
    recorder.done()


def _observe_async_stream(stream: Any, recorder: StreamRecorder) -> Any:
    """The `AsyncStream` twin of `_observe_stream`."""
    observed = _achunks(stream._iterator, recorder)
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


async def _achunks(
    iterator: AsyncIterator[Any], recorder: StreamRecorder
) -> AsyncGenerator[Any, None]:
    try:
        async for chunk in iterator:
            recorder.see(chunk)
            yield chunk
    except GeneratorExit:
        recorder.done()
        raise
    except BaseException as error:
        recorder.failed(error)
        raise
    recorder.done()
