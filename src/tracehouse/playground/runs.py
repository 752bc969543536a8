"""A playground run: every target's stream opened at once (a refusal is a 4xx before anything is
sent or written), the text deltas merged into one event stream, and each finished call recorded
as a trace tagged `playground`, priced like any generation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from tracehouse.clock import now_us
from tracehouse.errors import InvalidRequest, ProviderFailed, TracehouseError
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.ingest.service import ingest
from tracehouse.playground.schemas import RunIn
from tracehouse.playground.targets import Planned
from tracehouse.pricing import service as pricing
from tracehouse.pricing.catalog import compute_cost
from tracehouse.providers.client import ProviderError
from tracehouse.providers.stream import Stream, open_stream
from tracehouse.records import Batch, ObservationRecord, TraceRecord, Usage
from tracehouse.runtime import Runtime

#: The tag on every playground trace (`exclude_tags=playground` hides them from lists).
TAG = "playground"
#: Provider statuses that say "your request is wrong" rather than "try later".
_RETRYABLE = frozenset({408, 409, 429})

Event = tuple[str, dict[str, Any]]


def _refused(target: Planned, exc: ProviderError) -> TracehouseError:
    where = f"{target.credential} ({target.kind}, model {target.model!r})"
    details = {"index": target.index, "provider_status": exc.status}
    if exc.status is not None and 400 <= exc.status < 500 and exc.status not in _RETRYABLE:
        return InvalidRequest(f"{where} refused the call: {exc}", details)
    return ProviderFailed(f"{where} failed: {exc}", details)


async def _open(
    stack: AsyncExitStack, target: Planned, messages: list[dict[str, str]], params: dict[str, Any]
) -> Stream:
    try:
        opened = open_stream(target.provider, target.model, messages, params)
        return await stack.enter_async_context(opened)
    except ProviderError as exc:
        raise _refused(target, exc) from None


async def open_all(stack: AsyncExitStack, planned: list[Planned], body: RunIn) -> list[Stream]:
    """Every target's stream, opened concurrently; the first refusal is raised (the others
    are closed with the stack)."""
    messages = [m.model_dump() for m in body.messages]
    params = body.params.model_dump(exclude_none=True)
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_open(stack, t, messages, params)) for t in planned]
    except* TracehouseError as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


@dataclass
class Recorder:
    """Records finished calls as traces of the caller's project."""

    rt: Runtime
    scope: ProjectScope
    body: RunIn
    batch_id: str

    def cost(self, model: str, kind: str, usage: Usage) -> float | None:
        with self.rt.db.reader.connect() as conn:
            custom = pricing.custom_prices(conn, self.scope.project_rowid)
        found = compute_cost(model, kind, usage, now_us(), custom)
        return None if found is None else found.total

    def metadata(self, target: Planned) -> dict[str, Any]:
        source = self.body.source.model_dump(exclude_none=True) if self.body.source else {}
        return {"playground": {"run_id": self.batch_id, "index": target.index,
                               "provider": target.credential, "source": source}}  # fmt: skip

    async def record(
        self, target: Planned, trace_id: str, stream: Stream, error: str | None
    ) -> dict[str, Any]:
        done, state = stream.completion(), stream.state
        usage = Usage(
            input_tokens=state.input_tokens,
            output_tokens=state.output_tokens,
            cache_read_tokens=state.cache_read_tokens,
        )
        output = output_message(state.text, state.tool_calls)
        trace, generation = _records(self, target, trace_id, stream, output, error)
        generation.usage = usage
        await ingest(self.rt, self.scope, Batch(traces=[trace], observations=[generation]))
        return {
            **target.describe(),
            "trace_id": trace_id,
            "model": done.model,
            "text": state.text,
            "tool_calls": state.tool_calls,
            "finish_reason": state.finish_reason,
            "usage": _usage_view(usage),
            "cost": self.cost(done.model, target.kind, usage),
            "latency_ms": (done.end_us - done.start_us) / 1000,
            "time_to_first_token_ms": _first_token_ms(stream),
            "error": error,
        }


def _usage_view(usage: Usage) -> dict[str, int | None]:
    known = usage.input_tokens is not None or usage.output_tokens is not None
    total = (usage.input_tokens or 0) + (usage.output_tokens or 0) if known else None
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "cache_read_tokens": usage.cache_read_tokens, "total_tokens": total}  # fmt: skip


def _first_token_ms(stream: Stream) -> float | None:
    first = stream.state.first_token_us
    return None if first is None else (first - stream.start_us) / 1000


def output_message(text: str, tool_calls: list[dict[str, Any]]) -> Any:
    """The answer as recorded: text alone, or an assistant message with its tool calls."""
    if not tool_calls:
        return text
    calls = [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": c["arguments"]},
        }
        for c in tool_calls
    ]
    return {"role": "assistant", "content": text or None, "tool_calls": calls}


def _records(
    recorder: Recorder,
    target: Planned,
    trace_id: str,
    stream: Stream,
    output: Any,
    error: str | None,
) -> tuple[TraceRecord, ObservationRecord]:
    messages = [m.model_dump() for m in recorder.body.messages]
    end, model = now_us(), stream.state.model or target.model
    trace = TraceRecord(
        id=trace_id, name=TAG, tags=[TAG], input=messages, output=output,
        metadata=recorder.metadata(target), status="error" if error else "ok",
        status_message=error, start_time=stream.start_us, end_time=end,
    )  # fmt: skip
    generation = ObservationRecord(
        id=new_id(), trace_id=trace_id, type="generation", name=f"{TAG}:{target.model}",
        start_time=stream.start_us, end_time=end, completion_start_time=stream.state.first_token_us,
        model=model, provider=target.kind, input=messages, output=output,
        model_parameters=recorder.body.params.model_dump(exclude_none=True, exclude={"tools"}),
        level="ERROR" if error else "DEFAULT", status_message=error,
    )  # fmt: skip
    return trace, generation


async def _pump(index: int, stream: Stream, queue: asyncio.Queue[Event]) -> str | None:
    """Forward one stream's text to the queue; the error that cut it short, if any."""
    try:
        async for text in stream.texts():
            await queue.put(("delta", {"index": index, "text": text}))
    except ProviderError as exc:
        return str(exc)
    return None


async def _one(
    recorder: Recorder, target: Planned, trace_id: str, stream: Stream, queue: asyncio.Queue[Event]
) -> None:
    try:
        error = await _pump(target.index, stream, queue)
        result = await recorder.record(target, trace_id, stream, error)
    except TracehouseError as exc:  # e.g. over the plan's quota: the run is shown, not kept
        result = {**target.describe(), "trace_id": None, "error": f"not recorded: {exc.message}"}
    except Exception as exc:  # a bug: end the event stream with it instead of waiting forever
        await queue.put(("crash", {"error": exc}))
        raise
    await queue.put(("run", result))


async def events(
    recorder: Recorder, stack: AsyncExitStack, planned: list[Planned], streams: list[Stream]
) -> AsyncIterator[Event]:
    """`start`, the `delta`s of every target as they come, a `run` per finished target (its
    trace, text, usage, cost, timing) and `done`; the streams close at the end."""
    trace_ids = [new_id() for _ in planned]
    queue: asyncio.Queue[Event] = asyncio.Queue()
    starts = [{**t.describe(), "trace_id": i} for t, i in zip(planned, trace_ids, strict=True)]
    tasks = [
        asyncio.create_task(_one(recorder, t, i, s, queue))
        for t, i, s in zip(planned, trace_ids, streams, strict=True)
    ]
    try:
        yield "start", {"run_id": recorder.batch_id, "runs": starts}
        finished: list[dict[str, Any]] = []
        while len(finished) < len(planned):
            kind, data = await queue.get()
            if kind == "crash":
                raise data["error"]
            finished += [data] if kind == "run" else []
            yield kind, data
        yield "done", {"run_id": recorder.batch_id,
                       "runs": sorted(finished, key=lambda r: r["index"])}  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await stack.aclose()
