"""`@observe`: record a function call (sync, async, generator, async generator) as an
observation, nested under the current one. A generator's observation ends when it is
exhausted, closed or fails; its output is what it yielded."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, TypeVar, overload

from tracehouse.sdk import _client
from tracehouse.sdk._client import OBSERVATION_TYPES
from tracehouse.sdk._context import enter, leave
from tracehouse.sdk._observation import Observation
from tracehouse.sdk._payload import CapturedArgs, CapturedItems

logger = logging.getLogger("tracehouse.sdk")
F = TypeVar("F", bound=Callable[..., Any])


class _Site:
    """What a decorated function needs per call, computed once at decoration."""

    __slots__ = ("as_type", "capture_input", "capture_output", "name", "names")

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None,
        as_type: str,
        cin: bool | None,
        cout: bool | None,
    ) -> None:
        self.names = _positional_names(fn)
        self.name = name or getattr(fn, "__name__", type(fn).__name__)
        self.as_type = as_type if as_type in OBSERVATION_TYPES else "span"
        self.capture_input = cin
        self.capture_output = cout

    def start(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Observation | None:
        """The call's observation, or None when tracing is off (or fails: never the app)."""
        try:
            client = _client._default or _client.get_client()
            if not client.enabled:
                return None
            fields: dict[str, Any] = {"name": self.name}
            capture = client.config.capture if self.capture_input is None else self.capture_input
            if capture:
                fields["input"] = CapturedArgs(self.names, args, kwargs)
            return client.start_fast(self.as_type, fields)
        except Exception:
            logger.exception("tracehouse: could not start an observation (ignored)")
            return None

    def finish(self, observation: Observation, output: Any) -> None:
        try:
            capture = self.capture_output
            if capture is None:
                capture = observation.client.config.capture
            if capture and "output" not in observation.fields:
                observation.fields["output"] = output
            observation.end()
        except Exception:
            logger.exception("tracehouse: could not end an observation (ignored)")


def _positional_names(fn: Callable[..., Any]) -> tuple[str, ...]:
    """Names for positional arguments in the captured input (none if there is no signature)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ()
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(p.name for p in params if p.kind in positional)


def _failed(observation: Observation, error: BaseException) -> None:
    try:
        observation.fail(error)
        observation.end()
    except Exception:
        logger.exception("tracehouse: could not record an error (ignored)")


def _sync(fn: Callable[..., Any], site: _Site) -> Callable[..., Any]:
    @functools.wraps(fn)
    def observed(*args: Any, **kwargs: Any) -> Any:
        observation = site.start(args, kwargs)
        if observation is None:
            return fn(*args, **kwargs)
        entered = enter(observation)
        try:
            result = fn(*args, **kwargs)
        except BaseException as error:
            leave(entered)
            _failed(observation, error)
            raise
        leave(entered)
        site.finish(observation, result)
        return result

    return observed


def _async(fn: Callable[..., Any], site: _Site) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def observed(*args: Any, **kwargs: Any) -> Any:
        observation = site.start(args, kwargs)
        if observation is None:
            return await fn(*args, **kwargs)
        entered = enter(observation)
        try:
            result = await fn(*args, **kwargs)
        except BaseException as error:
            leave(entered)
            _failed(observation, error)
            raise
        leave(entered)
        site.finish(observation, result)
        return result

    return observed


def _drive(gen: Generator[Any, Any, Any], observation: Observation, site: _Site) -> Any:
    """Run `gen` with `observation` current around each step; forward send/throw/close."""
    items = CapturedItems()
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        entered = enter(observation)
        try:
            item = gen.throw(thrown) if thrown is not None else gen.send(sent)
        except StopIteration as stop:
            leave(entered)
            site.finish(observation, items if stop.value is None else stop.value)
            return stop.value
        except BaseException as error:
            leave(entered)
            _failed(observation, error)
            raise
        leave(entered)
        items.append(item)
        thrown = None
        try:
            sent = yield item
        except GeneratorExit:
            gen.close()
            site.finish(observation, items)
            raise
        except BaseException as error:
            thrown = error


def _generator(fn: Callable[..., Any], site: _Site) -> Callable[..., Any]:
    @functools.wraps(fn)
    def observed(*args: Any, **kwargs: Any) -> Any:
        observation = site.start(args, kwargs)
        gen = fn(*args, **kwargs)
        return gen if observation is None else _drive(gen, observation, site)

    return observed


async def _adrive(gen: AsyncGenerator[Any, Any], observation: Observation, site: _Site) -> Any:
    """The async twin of `_drive`."""
    items = CapturedItems()
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        entered = enter(observation)
        try:
            item = await (gen.athrow(thrown) if thrown is not None else gen.asend(sent))
        except StopAsyncIteration:
            leave(entered)
            site.finish(observation, items)
            return
        except BaseException as error:
            leave(entered)
            _failed(observation, error)
            raise
        leave(entered)
        items.append(item)
        thrown = None
        try:
            sent = yield item
        except GeneratorExit:
            await gen.aclose()
            site.finish(observation, items)
            raise
        except BaseException as error:
            thrown = error


def _async_generator(fn: Callable[..., Any], site: _Site) -> Callable[..., Any]:
    @functools.wraps(fn)
    def observed(*args: Any, **kwargs: Any) -> Any:
        observation = site.start(args, kwargs)
        gen = fn(*args, **kwargs)
        return gen if observation is None else _adrive(gen, observation, site)

    return observed


@overload
def observe(func: F) -> F: ...
@overload
def observe(
    *,
    name: str | None = None,
    as_type: str = "span",
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> Callable[[F], F]: ...
def observe(
    func: F | None = None,
    *,
    name: str | None = None,
    as_type: str = "span",
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> F | Callable[[F], F]:
    """Record each call of the decorated function as an observation (`as_type`: span,
    generation, tool, agent, …) named `name` (default: the function's name). Arguments and
    return value are captured unless `capture_input`/`capture_output` (or the client's
    `capture`) say otherwise. Works on sync and async functions and (async) generators."""

    def decorate(fn: F) -> F:
        site = _Site(fn, name, as_type, capture_input, capture_output)
        if inspect.isasyncgenfunction(fn):
            return _async_generator(fn, site)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(fn):
            return _generator(fn, site)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(fn):
            return _async(fn, site)  # type: ignore[return-value]
        return _sync(fn, site)  # type: ignore[return-value]

    return decorate if func is None else decorate(func)
