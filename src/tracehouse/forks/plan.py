"""What a server replay will do, worked out from the fork and the request before anything runs:
the steps served from the recording, the generation the replay goes live at, its messages,
model and parameters, the recorded tool calls it may reuse and the overrides. Bad input is
refused here, so a refused replay writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tracehouse.errors import InvalidRequest
from tracehouse.forks.service import ancestors, steps_before
from tracehouse.providers.client import Options

#: Recorded model parameters a replay passes on (others are the provider's business).
_PARAMETERS = ("temperature", "max_tokens", "tools", "response_format")


@dataclass
class Plan:
    source: dict[str, Any]
    #: Steps copied as recorded, by start time: the fork's prefix, then any step from the fork
    #: point up to the first generation (a tool step forked at is served, not run).
    served: list[dict[str, Any]]
    #: The fork point's ancestors, root first: the replay keeps the tree's shape.
    ancestors: list[dict[str, Any]]
    fork_point: dict[str, Any]
    #: The first generation at or after the fork point: where the replay goes live.
    start: dict[str, Any]
    #: Names of the recorded generations from `start` on, for the replay's generations.
    names: list[str]
    #: Recorded tool steps from the fork point on, in order: the results a replay may reuse.
    tools: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    model: str
    options: Options
    overrides: dict[str, Any] = field(default_factory=dict)
    max_steps: int = 20


def make(
    source: dict[str, Any], span_id: str, modifications: dict[str, Any], default_model: str | None,
    max_steps: int = 20,
) -> Plan:  # fmt: skip
    """The plan for replaying `source` from `span_id` with `modifications` (the fork's, with the
    request's laid over them); InvalidRequest when there is nothing to replay."""
    steps = _ordered(source["observations"])
    point = next(o for o in steps if o["id"] == span_id)
    before = {s["id"] for s in steps_before(steps, point)}
    after = [o for o in steps if o["id"] not in before and o["id"] not in ancestors(steps, point)]
    start = next((o for o in after if o["type"] == "generation"), None)
    if start is None:
        raise InvalidRequest(
            f"Nothing to replay: no generation at or after step {span_id!r}.",
            {"field": "span_id"},
        )
    line = ancestors(steps, start)
    at = after.index(start)
    early = {o["id"] for o in after[:at]} - line
    recorded_messages, recorded_tools = conversation(start["input"])
    return Plan(
        source=source,
        served=[o for o in steps if o["id"] in before or o["id"] in early],
        ancestors=[o for o in steps if o["id"] in line],
        fork_point=point,
        start=start,
        names=[o["name"] or "generation" for o in after[at:] if o["type"] == "generation"],
        tools=[o for o in after if o["type"] == "tool"],
        messages=_messages(recorded_messages, modifications.get("messages")),
        model=_model(modifications, start, default_model),
        options=_options(start, recorded_tools, modifications.get("parameters") or {}),
        overrides={t["span_id"]: t["output"] for t in modifications.get("tool_results") or []},
        max_steps=max_steps,
    )


def _ordered(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(steps, key=lambda o: o["start_time"] or "")


def conversation(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """A recorded generation input as (messages, tools): a list of messages, an object with
    `messages` (and `tools`, as the SDK records them), or text (one user message)."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        return _chat(value["messages"]), value.get("tools")
    if isinstance(value, list) and all(isinstance(m, dict) and "role" in m for m in value):
        return _chat(value), None
    if value is None:
        return [], None
    text = value if isinstance(value, str) else json.dumps(value)
    return [{"role": "user", "content": text}], None


def _chat(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(m) for m in messages if isinstance(m, dict) and "role" in m]


def _messages(recorded: list[dict[str, Any]], given: list[dict[str, Any]] | None) -> list[Any]:
    """The messages given replace the recorded ones, except that system messages alone
    replace only the recorded system prompt."""
    if not given:
        return recorded
    if all(m.get("role") == "system" for m in given):
        return [*given, *(m for m in recorded if m.get("role") != "system")]
    return list(given)


def _model(modifications: dict[str, Any], start: dict[str, Any], default: str | None) -> str:
    model = modifications.get("model") or start.get("model") or default
    if not model:
        raise InvalidRequest(
            "No model to replay with: the generation recorded none, give `model`.",
            {"field": "model"},
        )
    return str(model)


def _options(
    start: dict[str, Any], tools: list[dict[str, Any]] | None, given: dict[str, Any]
) -> Options:
    recorded = {k: v for k, v in (start.get("model_parameters") or {}).items() if k in _PARAMETERS}
    values = {"tools": tools, **recorded, **{k: given[k] for k in _PARAMETERS if k in given}}
    if "max_completion_tokens" in given and "max_tokens" not in given:
        values["max_tokens"] = given["max_completion_tokens"]
    try:
        return Options(
            temperature=_number(values.get("temperature"), float),
            max_tokens=_number(values.get("max_tokens"), int),
            tools=values.get("tools") or None,
            response_format=values.get("response_format"),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"Bad parameter: {exc}", {"field": "parameters"}) from exc


def _number(value: Any, kind: type[float] | type[int]) -> Any:
    return None if value is None else kind(value)


def preview(source: dict[str, Any], span_id: str, modifications: dict[str, Any]) -> Plan | None:
    """The plan a replay would start from, to fill a form (None: nothing to replay there)."""
    try:
        return make(source, span_id, modifications, "the credential's default model")
    except (InvalidRequest, StopIteration):
        return None
