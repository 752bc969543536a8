"""Running a replay plan: the served steps copied as recorded, then an agent loop from the fork
point (a generation sent to the provider; each tool call it makes answered by an override or a
matching recorded call, else the replay stops for the agent) until the model answers without
calling a tool. Everything lands in one new trace's records; no database or HTTP here."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tracehouse.clock import now_us, to_us
from tracehouse.forks.plan import Plan
from tracehouse.ids import new_id
from tracehouse.providers.client import Completion, ProviderError
from tracehouse.records import Batch, ObservationRecord, TraceRecord, Usage

#: One provider call: the conversation so far in, the completion out.
Call = Callable[[list[dict[str, Any]]], Awaitable[Completion]]
#: Called after each live step with how many are done (progress).
Progress = Callable[[int], Awaitable[None]]


@dataclass
class Outcome:
    state: str  # completed | needs_agent | failed
    trace: TraceRecord
    observations: list[ObservationRecord]
    steps_done: int = 0
    message: str | None = None
    stop: dict[str, Any] | None = None

    def batch(self) -> Batch:
        return Batch(traces=[self.trace], observations=self.observations)


@dataclass
class _Run:
    plan: Plan
    provider_kind: str
    trace_id: str
    shift: int  # µs added to recorded times so that the fork point starts now
    parent_id: str | None
    ids: dict[str, str] = field(default_factory=dict)
    records: list[ObservationRecord] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    conversation: list[dict[str, Any]] = field(default_factory=list)
    steps: int = 0
    last_text: str | None = None


async def run(
    plan: Plan, call: Call, *, provider_kind: str, metadata: dict[str, Any],
    progress: Progress | None = None,
) -> Outcome:  # fmt: skip
    """Replay `plan` with `call`; the outcome holds the new trace's records, whatever the end."""
    begun = now_us()
    state = _start(plan, provider_kind, begun)
    outcome = await _loop(state, call, progress)
    outcome.trace = _trace(state, begun, metadata, outcome)
    outcome.observations = state.records
    outcome.steps_done = state.steps
    return outcome


def _start(plan: Plan, provider_kind: str, begun: int) -> _Run:
    shift = begun - (to_us(plan.fork_point["start_time"]) or begun)
    state = _Run(plan, provider_kind, new_id(), shift, None, conversation=list(plan.messages))
    for step in plan.ancestors:
        state.records.append(_copy(state, step, keep_output=False))
    for step in plan.served:
        state.records.append(_copy(state, step, keep_output=True))
    parent = plan.start["parent_id"]
    state.parent_id = state.ids.get(parent) if parent else None
    return state


async def _loop(state: _Run, call: Call, progress: Progress | None) -> Outcome:
    for _ in range(state.plan.max_steps):
        try:
            completion = await call(state.conversation)
        except ProviderError as exc:
            message = f"The provider failed after {exc.attempts} attempt(s): {exc}"
            _failed_generation(state, message)
            return _outcome("failed", message)
        _generation(state, completion)
        if progress is not None:
            await progress(state.steps)
        if not completion.tool_calls:
            return _outcome("completed")
        stop = _tools(state, completion.tool_calls)
        if stop is not None:
            return _outcome("needs_agent", stop.pop("message"), stop)
    return _outcome("completed", f"Stopped after {state.plan.max_steps} generations.")


def _outcome(state: str, message: str | None = None, stop: dict[str, Any] | None = None) -> Outcome:
    return Outcome(state, TraceRecord(id=""), [], message=message, stop=stop)


def _generation(state: _Run, completion: Completion) -> None:
    names = state.plan.names
    name = names[min(state.steps, len(names) - 1)]
    options = state.plan.options
    parameters = {
        k: v
        for k, v in (
            ("temperature", options.temperature),
            ("max_tokens", options.max_tokens),
            ("response_format", options.response_format),
        )
        if v is not None
    }
    state.records.append(
        ObservationRecord(
            id=new_id(), trace_id=state.trace_id, type="generation", name=name,
            parent_id=state.parent_id, start_time=completion.start_us, end_time=completion.end_us,
            model=completion.model, provider=state.provider_kind, model_parameters=parameters,
            input=_input(state.conversation, options.tools), output=completion.message(),
            usage=Usage(input_tokens=completion.input_tokens,
                        output_tokens=completion.output_tokens),
            metadata={"replay": "live", "attempts": completion.attempts},
        )
    )  # fmt: skip
    state.conversation.append(completion.message())
    state.last_text = completion.text
    state.steps += 1


def _input(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> Any:
    return {"messages": list(messages), "tools": tools} if tools else list(messages)


def _failed_generation(state: _Run, message: str) -> None:
    now = now_us()
    state.records.append(
        ObservationRecord(
            id=new_id(), trace_id=state.trace_id, type="generation",
            name=state.plan.names[min(state.steps, len(state.plan.names) - 1)],
            parent_id=state.parent_id, start_time=now, end_time=now, model=state.plan.model,
            provider=state.provider_kind, input=list(state.conversation), level="ERROR",
            status_message=message, metadata={"replay": "live"},
        )
    )  # fmt: skip


def _tools(state: _Run, calls: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Answer each tool call; the first one nothing answers stops the replay (returned)."""
    for call in calls:
        function = call.get("function") or {}
        name, arguments = str(function.get("name")), _arguments(function.get("arguments"))
        found = _resolve(state, name, arguments)
        if found is None:
            return _stop(state, name, arguments)
        step, origin, output = found
        state.used.add(step["id"])
        now = now_us()
        state.records.append(
            ObservationRecord(
                id=new_id(), trace_id=state.trace_id, type="tool", name=name,
                parent_id=state.parent_id, start_time=now, end_time=now, input=arguments,
                output=output, metadata={"replay": origin, "recorded_step": step["id"]},
            )
        )  # fmt: skip
        content = output if isinstance(output, str) else json.dumps(output)
        state.conversation.append(
            {"role": "tool", "tool_call_id": call.get("id"), "content": content}
        )
    return None


def _arguments(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw or {}
    try:
        return json.loads(raw or "{}")
    except json.JSONDecodeError:
        return raw


def _resolve(state: _Run, name: str, arguments: Any) -> tuple[dict[str, Any], str, Any] | None:
    """(recorded step, "override" or "recorded", output) for a tool call, or None: the next
    unused recorded call of that tool when an override is given for it, else a recorded call
    of that tool with the same arguments."""
    unused = [t for t in state.plan.tools if t["name"] == name and t["id"] not in state.used]
    if unused and unused[0]["id"] in state.plan.overrides:
        return unused[0], "override", state.plan.overrides[unused[0]["id"]]
    for step in unused:
        if _arguments(step["input"]) == arguments:
            return step, "recorded", step["output"]
    return None


def _stop(state: _Run, name: str, arguments: Any) -> dict[str, Any]:
    candidates = [t for t in state.plan.tools if t["name"] == name and t["id"] not in state.used]
    span_id = candidates[0]["id"] if candidates else None
    shown = json.dumps(arguments)[:200]
    fix = (
        f"give a tool result override for step {span_id!r}"
        if span_id
        else "the recording has no call of that tool"
    )
    message = (
        f"Needs your agent at step {state.steps + 1}: the model called {name}({shown}) and no "
        f"recorded call matches; {fix}, or replay in your own code with the SDK."
    )
    position = state.steps + 1
    return {"message": message, "tool": name, "arguments": arguments, "span_id": span_id,
            "position": position}  # fmt: skip


def _copy(state: _Run, step: dict[str, Any], *, keep_output: bool) -> ObservationRecord:
    """A recorded step in the new trace, its times shifted, its output as recorded (or as
    overridden for a tool step)."""
    new = state.ids.setdefault(step["id"], new_id())
    parent = step["parent_id"]
    output = step["output"] if keep_output else None
    origin = "recorded"
    if keep_output and step["id"] in state.plan.overrides:
        output, origin = state.plan.overrides[step["id"]], "override"
    usage = step.get("usage") or {}
    return ObservationRecord(
        id=new, trace_id=state.trace_id, type=step["type"], name=step["name"],
        parent_id=state.ids.get(parent) if parent else None,
        start_time=_shifted(state, step["start_time"]),
        end_time=_shifted(state, step["end_time"]) if keep_output else None,
        model=step.get("model"), provider=step.get("provider"),
        model_parameters=step.get("model_parameters"), input=step["input"], output=output,
        usage=Usage(input_tokens=usage.get("input_tokens"),
                    output_tokens=usage.get("output_tokens")),
        level=step.get("level"), metadata={"replay": origin, "recorded_step": step["id"]},
    )  # fmt: skip


def _trace(state: _Run, begun: int, metadata: dict[str, Any], outcome: Outcome) -> TraceRecord:
    source, end = state.plan.source, now_us()
    for record in state.records:  # the containers end with the run
        if record.end_time is None:
            record.end_time = end
    status = {"completed": "ok", "needs_agent": "warning"}.get(outcome.state, "error")
    return TraceRecord(
        id=state.trace_id, name=source.get("name"), user_id=source.get("user_id"),
        session_id=source.get("session_id"), tags=[*(source.get("tags") or []), "replay"],
        metadata=metadata, input=source.get("input"), output=state.last_text, status=status,
        status_message=outcome.message if status != "ok" else None,
        start_time=_shifted(state, source.get("start_time")) or begun, end_time=end,
    )  # fmt: skip


def _shifted(state: _Run, value: str | None) -> int | None:
    us = to_us(value)
    return None if us is None else us + state.shift
