"""Input and output: where each convention family puts messages (attributes, flattened
indexed keys, span events, log records) and how they are read, in priority order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracehouse.conventions import messages
from tracehouse.otlp.spans import LogData, SpanData
from tracehouse.records import ObservationRecord

_EMPTY: tuple[Any, ...] = (None, "", [], {})

# --- content: (key, how to read it) in priority order -------------------------------------------

Reader = Callable[[Any, dict[str, Any]], Any]


def _raw_or_json(value: Any, attrs: dict[str, Any]) -> Any:
    return messages.parse_json(value)


def _otel_input(value: Any, attrs: dict[str, Any]) -> Any:
    return messages.from_otel(value, attrs.pop("gen_ai.system_instructions", None))


def _otel_output(value: Any, attrs: dict[str, Any]) -> Any:
    return messages.from_otel(value)


def _openinference_messages(value: Any, attrs: dict[str, Any]) -> Any:
    return messages.from_openinference(messages.unflatten(value))


def _indexed_messages(value: Any, attrs: dict[str, Any]) -> Any:
    return messages.from_indexed(messages.unflatten(value))


def _entity(value: Any, attrs: dict[str, Any]) -> Any:
    parsed = messages.parse_json(value)
    if isinstance(parsed, dict) and set(parsed) == {"inputs"}:
        return parsed["inputs"]
    return parsed


#: Where input and output come from, in priority order (first non-empty wins, every source of
#: the direction is consumed). A key ending in "." names a flattened family of indexed keys
#: (OpenInference `llm.input_messages.N.…`, older GenAI `gen_ai.prompt.N.…`) rebuilt into messages.
INPUT_SOURCES: tuple[tuple[str, Reader], ...] = (
    ("langfuse.observation.input", _raw_or_json),
    ("gen_ai.input.messages", _otel_input),
    ("llm.input_messages.", _openinference_messages),
    ("gen_ai.prompt.", _indexed_messages),
    ("gen_ai.tool.call.arguments", _raw_or_json),
    ("traceloop.entity.input", _entity),
    ("input.value", _raw_or_json),
    ("pydantic_ai.all_messages", _otel_output),  # GenAI `parts` messages, as generations
    ("tool_arguments", _raw_or_json),
    ("gen_ai.prompt", _raw_or_json),
    ("input", _raw_or_json),
)
OUTPUT_SOURCES: tuple[tuple[str, Reader], ...] = (
    ("langfuse.observation.output", _raw_or_json),
    ("gen_ai.output.messages", _otel_output),
    ("llm.output_messages.", _openinference_messages),
    ("gen_ai.completion.", _indexed_messages),
    ("gen_ai.tool.call.result", _raw_or_json),
    ("traceloop.entity.output", _entity),
    ("output.value", _raw_or_json),
    ("final_result", _raw_or_json),
    ("tool_response", _raw_or_json),
    ("gen_ai.completion", _raw_or_json),
    ("output", _raw_or_json),
)
#: source key → (priority, key, direction, reader): sorted, the present ones come in order.
_SOURCES: dict[str, tuple[int, str, str, Reader]] = {
    key: (rank, key, direction, read)
    for direction, sources in (("input", INPUT_SOURCES), ("output", OUTPUT_SOURCES))
    for rank, (key, read) in enumerate(sources, start=0 if direction == "input" else 100)
}
_SOURCE_KEYS = frozenset(key for key in _SOURCES if not key.endswith("."))
_FLAT_SOURCE_KEYS = frozenset(key for key in _SOURCES if key.endswith("."))
MESSAGE_LOG_EVENTS = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
    }
)
OPERATION_DETAILS_EVENT = "gen_ai.client.inference.operation.details"


def fill_content(
    attrs: dict[str, Any], flat: dict[str, dict[str, Any]], span: SpanData, obs: ObservationRecord
) -> None:
    """Set `obs.input`/`obs.output` from the first source of each direction that has a value;
    every source key is consumed. GenAI span events fill what attributes did not."""
    found: dict[str, Any] = {"input": None, "output": None}
    # Most spans carry one or two of the ~20 source keys: visit only those, in priority order.
    present = _SOURCE_KEYS.intersection(attrs) | _FLAT_SOURCE_KEYS.intersection(flat)
    for _, key, direction, read in sorted(_SOURCES[key] for key in present):
        raw = flat.pop(key) if key.endswith(".") else attrs.pop(key)
        if raw is not None and found[direction] is None:
            value = read(raw, attrs)
            if value not in _EMPTY:
                found[direction] = value
    if found["input"] is None or found["output"] is None:
        events_in, events_out = _event_messages(span)
        found["input"] = found["input"] if found["input"] is not None else events_in
        found["output"] = found["output"] if found["output"] is not None else events_out
    obs.input, obs.output = found["input"], found["output"]


def _event_messages(span: SpanData) -> tuple[Any, Any]:
    inputs: list[Any] = []
    outputs: list[Any] = []
    for event in span.events:
        if event.name == "gen_ai.content.prompt":
            inputs.append(messages.parse_json(event.attributes.get("gen_ai.prompt")))
        elif event.name == "gen_ai.content.completion":
            outputs.append(messages.parse_json(event.attributes.get("gen_ai.completion")))
        elif event.name in MESSAGE_LOG_EVENTS:
            message = messages.from_log_body(event.name, event.attributes)
            (outputs if event.name == "gen_ai.choice" else inputs).append(message)
        elif event.name == OPERATION_DETAILS_EVENT:
            inputs.extend(
                _as_list(messages.from_otel(event.attributes.get("gen_ai.input.messages")))
            )
            outputs.extend(
                _as_list(messages.from_otel(event.attributes.get("gen_ai.output.messages")))
            )
    return _single(inputs), _single(outputs)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _single(values: list[Any]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 and not isinstance(values[0], dict) else values


def apply_logs(records: list[LogData], obs: ObservationRecord) -> None:
    """Fill `obs` (one span's id and trace id already set) from its GenAI log records, in order."""
    inputs: list[Any] = []
    outputs: list[Any] = []
    for record in sorted(records, key=lambda r: r.time or 0):
        name = record.event_name or ""
        if name in MESSAGE_LOG_EVENTS and record.body not in (None, "", {}):
            message = messages.from_log_body(name, record.body)
            (outputs if name == "gen_ai.choice" else inputs).append(message)
        elif name == OPERATION_DETAILS_EVENT:
            source = {**record.attributes, **(record.body if isinstance(record.body, dict) else {})}
            inputs.extend(_as_list(messages.from_otel(source.get("gen_ai.input.messages"))))
            outputs.extend(_as_list(messages.from_otel(source.get("gen_ai.output.messages"))))
    obs.input = inputs or None
    obs.output = outputs or None
