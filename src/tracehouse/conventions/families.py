"""Every semantic-convention family, in one table: which attribute means what.

Families handled: OpenTelemetry GenAI (current `gen_ai.*`, span events and the older indexed
`gen_ai.prompt.N.*` form), OpenInference (`openinference.span.kind`, `llm.*`, `input.value`),
OpenLLMetry/Traceloop (`traceloop.*`, `llm.*`), Langfuse (`langfuse.*`) and logfire/pydantic-ai.
Several families often sit on one span, so every field is resolved by a priority list of keys
(first present wins) and every key of a concept is consumed, so one concept is never counted
twice. Keys not consumed stay on the observation as raw attributes. The input/output sources
live in `content.py`, the token and cost keys in `usage.py`.
"""

from __future__ import annotations

from typing import Any

from tracehouse import clock
from tracehouse.conventions import content, messages
from tracehouse.conventions.usage import (
    COST_KEYS,
    GIVEN_USAGE_KEY,
    USAGE_KEYS,
    USAGE_OWNERS,
    cost_from_details,
    given_usage,
    langfuse_usage,
    to_float,
    to_int,
)
from tracehouse.otlp.spans import SpanData
from tracehouse.records import LEVELS, OBSERVATION_TYPES, Cost, ObservationRecord, TraceRecord

# --- observation type ---------------------------------------------------------------------------

#: (attribute, value → type). Tried in order; the first known value wins (otel-genai.md §3.3).
TYPE_RULES: tuple[tuple[str, dict[str, str]], ...] = (
    ("langfuse.observation.type", {t: t for t in OBSERVATION_TYPES}),
    (
        "openinference.span.kind",
        {
            "llm": "generation",
            "chain": "chain",
            "tool": "tool",
            "agent": "agent",
            "retriever": "retriever",
            "embedding": "embedding",
            "reranker": "reranker",
            "guardrail": "guardrail",
            "evaluator": "evaluator",
        },
    ),
    (
        "gen_ai.operation.name",
        {
            "chat": "generation",
            "text_completion": "generation",
            "completion": "generation",
            "generate_content": "generation",
            "generate": "generation",
            "embeddings": "embedding",
            "execute_tool": "tool",
            "invoke_agent": "agent",
            "create_agent": "agent",
            "retrieval": "retriever",
            "invoke_workflow": "chain",
            "plan": "chain",
            "apply_guardrail": "guardrail",
        },
    ),
    (
        "traceloop.span.kind",
        {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"},
    ),
    (
        "llm.request.type",
        {
            "chat": "generation",
            "completion": "generation",
            "embedding": "embedding",
            "rerank": "reranker",
        },
    ),
)
TOOL_KEYS = ("gen_ai.tool.name", "gen_ai.tool.call.id")

# --- simple fields: (target, keys in priority order) --------------------------------------------

MODEL_KEYS = (
    "langfuse.observation.model.name",
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.response.model_name",
    "llm.model_name",
    "llm.request.model_name",
    "embedding.model_name",
    "reranker.model_name",
    "ai.model.id",
    "llm.response.model",
)
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.system", "llm.provider")
USER_KEYS = (
    "langfuse.user.id",
    "user.id",
    "enduser.id",
    "traceloop.association.properties.user_id",
    "ai.telemetry.metadata.userId",
)
SESSION_KEYS = (
    "langfuse.session.id",
    "session.id",
    "gen_ai.conversation.id",
    "traceloop.association.properties.session_id",
    "ai.telemetry.metadata.sessionId",
)
TAG_KEYS = ("langfuse.trace.tags", "langfuse.tags", "tag.tags", "logfire.tags")
# The VCS attributes the trace filters read in trace metadata (all of them: `vcs.py`).
from tracehouse.conventions.vcs import VCS_BRANCH as VCS_BRANCH  # noqa: E402
from tracehouse.conventions.vcs import VCS_REPOSITORY as VCS_REPOSITORY  # noqa: E402
from tracehouse.conventions.vcs import VCS_REVISION as VCS_REVISION  # noqa: E402

ENVIRONMENT_KEYS = ("langfuse.environment", "deployment.environment.name", "deployment.environment")
PROMPT_NAME_KEYS = (
    "langfuse.observation.prompt.name",
    "gen_ai.prompt.name",
    "traceloop.prompt.key",
)
PROMPT_VERSION_KEYS = (
    "langfuse.observation.prompt.version",
    "gen_ai.prompt.version",
    "llm.prompt_template.version",
    "traceloop.prompt.version",
)

_MESSAGE_PREFIXES = (
    "llm.input_messages.",
    "llm.output_messages.",
    "gen_ai.prompt.",
    "gen_ai.completion.",
)
#: Flattened prefixes gathered into a dict: prefix → (destination, JSON-decode values?).
FLAT_GROUPS: dict[str, tuple[str, bool]] = {
    "langfuse.observation.metadata.": ("observation_metadata", True),
    "langfuse.metadata.": ("observation_metadata", True),
    "langfuse.trace.metadata.": ("trace_metadata", True),
    "traceloop.association.properties.": ("trace_metadata", False),
    "ai.telemetry.metadata.": ("trace_metadata", False),
    "gen_ai.request.": ("model_parameters", False),
}
_FLAT_PREFIXES = _MESSAGE_PREFIXES + tuple(FLAT_GROUPS)
#: Keys under a flattened prefix that name the trace's user or session: read as such, not split.
_WHOLE_KEYS = frozenset(k for k in USER_KEYS + SESSION_KEYS if k.startswith(_FLAT_PREFIXES))
PARAMETER_JSON_KEYS = (
    "langfuse.observation.model.parameters",
    "llm.invocation_parameters",
    "model_request_parameters",
)
_REQUEST_NOT_PARAMETERS = frozenset({"model"})

LEVEL_ALIASES = {
    "INFO": "DEFAULT",
    "LOG": "DEFAULT",
    "NOTICE": "DEFAULT",
    "OK": "DEFAULT",
    "SUCCESS": "DEFAULT",
    "WARN": "WARNING",
    "FATAL": "ERROR",
    "CRITICAL": "ERROR",
    "TRACE": "DEBUG",
    "VERBOSE": "DEBUG",
}
TTFT_EVENTS = frozenset(
    {"First Token Stream Event", "gen_ai.content.completion.chunk", "llm.content.completion.chunk"}
)


_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The value of the first key present (not None/empty); every key of the concept is consumed."""
    found = None
    for key in keys:
        if key in attrs:  # most keys are absent: a lookup is cheaper than pop(key, None)
            value = attrs.pop(key)
            if found is None and value not in _EMPTY:
                found = value
    return found


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# --- spans --------------------------------------------------------------------------------------


def apply_span(
    span: SpanData, obs: ObservationRecord, trace: TraceRecord, attrs: dict[str, Any]
) -> None:
    """Fill `obs` and `trace` from the span's convention attributes.

    `attrs` is a copy of the span's attributes; every consumed key is popped from it and what
    is left is kept on the observation as raw `attributes`.
    """
    flat = _split_flat(attrs)
    if _langfuse_before_v5(span):
        _decode_leniently(attrs, flat)
    obs.type = "generation" if obs.streamed_response else _observation_type(attrs, span)
    # The span's own name stays; the tool name (kept in `attributes`) is shown beside it and
    # names the observation only when the span has no name.
    name = attrs.get("logfire.msg") or (
        attrs.get("gen_ai.tool.name") if obs.type == "tool" and not obs.name else None
    )
    if isinstance(name, str) and name:
        obs.name = name
    obs.model = _text(_first(attrs, MODEL_KEYS))
    obs.provider = _text(_first(attrs, PROVIDER_KEYS))
    if obs.model and obs.type == "span":
        obs.type = "generation"
    _usage(attrs, obs)
    _cost(attrs, obs)
    content.fill_content(attrs, flat, span, obs)
    _parameters(attrs, flat, obs)
    _level(attrs, span, obs)
    _prompt(attrs, obs)
    obs.completion_start_time = _completion_start(attrs, span)
    obs.metadata = {**(obs.metadata or {}), **_observation_metadata(attrs, flat, span)} or None
    obs.environment = _environment(attrs, span)
    obs.version = _text(attrs.pop("langfuse.version", None))
    _trace_fields(attrs, flat, span, trace)


def _split_flat(attrs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Pop the flattened families (`prefix.rest` keys) into {prefix: {rest: value}}."""
    flat: dict[str, dict[str, Any]] = {}
    for key in [k for k in attrs if k.startswith(_FLAT_PREFIXES) and k not in _WHOLE_KEYS]:
        for prefix in _FLAT_PREFIXES:
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                if prefix == "gen_ai.request." and rest in _REQUEST_NOT_PARAMETERS:
                    break
                if prefix in ("gen_ai.prompt.", "gen_ai.completion.") and not rest[:1].isdigit():
                    break  # gen_ai.prompt.name and friends are not indexed messages
                flat.setdefault(prefix, {})[rest] = attrs.pop(key)
                break
    return flat


def _observation_type(attrs: dict[str, Any], span: SpanData) -> str:
    for key, table in TYPE_RULES:
        value = attrs.get(key)
        if isinstance(value, str):
            found = table.get(value.lower())
            if found:
                for rule_key, _ in TYPE_RULES:
                    attrs.pop(rule_key, None)
                return found
    if any(key in attrs for key in TOOL_KEYS):
        return "tool"
    if attrs.get("logfire.span_type") == "log":
        return "event"
    return "span"


_USAGE_KEY_SET = frozenset(key for keys in USAGE_KEYS.values() for key in keys)
_COST_KEY_SET = frozenset(key for keys in COST_KEYS.values() for key in keys)


def _usage(attrs: dict[str, Any], obs: ObservationRecord) -> None:
    details = messages.parse_json(attrs.pop(GIVEN_USAGE_KEY, None))
    if given_usage(details) is not None:
        attrs[GIVEN_USAGE_KEY] = details  # kept raw: Langfuse's API answers the keys given
    if details is None and _USAGE_KEY_SET.isdisjoint(attrs):
        values: dict[str, int | None] = {}  # most spans carry no usage: skip the lookups
    else:
        values = {field: to_int(_first(attrs, keys)) for field, keys in USAGE_KEYS.items()}
    if isinstance(details, dict) and details:
        values = langfuse_usage(details)
    aggregated = {k: attrs.pop(k) for k in [k for k in attrs if "aggregated_usage" in k]}
    usage = obs.usage
    for field, value in values.items():
        setattr(usage, field, value)
    cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
    if usage.input_tokens is not None and cached > usage.input_tokens:
        usage.input_tokens += cached  # an emitter whose input excludes cache tokens
    if obs.type not in USAGE_OWNERS and (any(v is not None for v in values.values()) or aggregated):
        owned = {k: v for k, v in values.items() if v is not None}
        obs.metadata = {"aggregated_usage": owned or aggregated}
        for field in USAGE_KEYS:
            setattr(usage, field, None)


def _cost(attrs: dict[str, Any], obs: ObservationRecord) -> None:
    details = messages.parse_json(attrs.pop("langfuse.observation.cost_details", None))
    if details is None and _COST_KEY_SET.isdisjoint(attrs):
        return
    values = {part: to_float(_first(attrs, keys)) for part, keys in COST_KEYS.items()}
    if isinstance(details, dict) and details:
        obs.reported_cost = cost_from_details(details)
    elif any(v is not None for v in values.values()):
        obs.reported_cost = Cost(values["input"], values["output"], values["total"])


def _parameters(
    attrs: dict[str, Any], flat: dict[str, dict[str, Any]], obs: ObservationRecord
) -> None:
    parameters: dict[str, Any] = {}
    for key in PARAMETER_JSON_KEYS:
        value = messages.parse_json(attrs.pop(key, None))
        if isinstance(value, dict):
            parameters.update(value)
    parameters.update(flat.pop("gen_ai.request.", {}))
    obs.model_parameters = parameters or None


def _level(attrs: dict[str, Any], span: SpanData, obs: ObservationRecord) -> None:
    level = attrs.pop("langfuse.observation.level", None)
    if isinstance(level, str):
        upper = level.upper()
        obs.level = upper if upper in LEVELS else LEVEL_ALIASES.get(upper)
    if obs.level is None and span.status_code == 2:
        obs.level = "ERROR"
    message = attrs.pop("langfuse.observation.status_message", None) or span.status_message
    if message is None and obs.level == "ERROR":
        message = _exception_message(span, attrs)
    obs.status_message = _text(message)


def _exception_message(span: SpanData, attrs: dict[str, Any]) -> str | None:
    for source in [attrs] + [e.attributes for e in span.events if e.name == "exception"]:
        if source.get("exception.type") or source.get("exception.message"):
            kind, text = source.get("exception.type"), source.get("exception.message")
            return f"{kind}: {text}" if kind and text else str(kind or text)
    return None


def _prompt(attrs: dict[str, Any], obs: ObservationRecord) -> None:
    obs.prompt_name = _text(_first(attrs, PROMPT_NAME_KEYS))
    obs.prompt_version = to_int(_first(attrs, PROMPT_VERSION_KEYS))


def _completion_start(attrs: dict[str, Any], span: SpanData) -> int | None:
    explicit = messages.parse_json(attrs.pop("langfuse.observation.completion_start_time", None))
    if isinstance(explicit, str):
        try:
            return clock.to_us(explicit)
        except ValueError:
            pass
    start = span.start_time
    seconds = to_float(
        _first(
            attrs,
            ("gen_ai.response.time_to_first_chunk", "gen_ai.client.operation.time_to_first_chunk"),
        )
    )
    if seconds is not None and start is not None:
        return _later(start, seconds * 1_000_000)
    millis = to_float(attrs.pop("ai.response.msToFirstChunk", None))
    if millis is not None and start is not None:
        return _later(start, millis * 1000)
    for event in span.events:
        if event.name in TTFT_EVENTS and event.time is not None:
            return event.time
    return None


def _later(start: int, micros: float) -> int | None:
    """`start` plus an offset, when the sum is a time a column can hold."""
    moment = start + int(micros)
    return moment if clock.storable(moment) else None


def _observation_metadata(
    attrs: dict[str, Any], flat: dict[str, dict[str, Any]], span: SpanData
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key in ("langfuse.observation.metadata", "metadata"):
        value = messages.parse_json(attrs.pop(key, None))
        if isinstance(value, dict):
            metadata.update(value)
    for prefix in ("langfuse.observation.metadata.", "langfuse.metadata."):
        metadata.update(_decoded(flat.pop(prefix, {}), span))
    return metadata


def _decoded(values: dict[str, Any], span: SpanData) -> dict[str, Any]:
    """Langfuse v5 JSON-encodes every metadata value; decode those (others stay raw)."""
    if _langfuse_major(span) < 5:
        return values
    return {key: messages.parse_json(value) for key, value in values.items()}


def _langfuse_major(span: SpanData) -> int:
    """The Langfuse SDK's major version that sent the span, -1 for any other sender."""
    if span.scope_name != "langfuse-sdk":
        return -1
    major = (span.scope_version or "0").split(".", 1)[0]
    return int(major) if major.isdigit() else 0


def _langfuse_before_v5(span: SpanData) -> bool:
    return 0 <= _langfuse_major(span) < 5


#: Langfuse SDK < 5 sends these as JSON text unless they are strings, which go as they are;
#: Langfuse reads back every value that parses as JSON (`'["yo"]'` a list, `"2"` the number 2).
_LENIENT_KEYS = (
    "langfuse.observation.input",
    "langfuse.observation.output",
    "langfuse.trace.input",
    "langfuse.trace.output",
)
_LENIENT_PREFIXES = (
    "langfuse.observation.metadata.",
    "langfuse.metadata.",
    "langfuse.trace.metadata.",
)


def _decode_leniently(attrs: dict[str, Any], flat: dict[str, dict[str, Any]]) -> None:
    """Decode what a Langfuse SDK before v5 sent as Langfuse itself reads it back."""
    for key in _LENIENT_KEYS:
        if key in attrs:
            attrs[key] = messages.parse_any_json(attrs[key])
    for prefix in _LENIENT_PREFIXES:
        values = flat.get(prefix)
        if values:
            flat[prefix] = {key: messages.parse_any_json(v) for key, v in values.items()}


def _environment(attrs: dict[str, Any], span: SpanData) -> str | None:
    for key in ENVIRONMENT_KEYS:
        value = attrs.pop(key, None) or span.resource.get(key)
        if isinstance(value, str) and value:
            return value.lower().removeprefix("langfuse-").removeprefix("langfuse_")[:40]
    return None


def _trace_fields(
    attrs: dict[str, Any], flat: dict[str, dict[str, Any]], span: SpanData, trace: TraceRecord
) -> None:
    trace.user_id = _text(_first(attrs, USER_KEYS))
    trace.session_id = _text(_first(attrs, SESSION_KEYS))
    trace.tags = _tags(_first(attrs, TAG_KEYS))
    trace.name = _text(attrs.pop("langfuse.trace.name", None))
    public = attrs.pop("langfuse.trace.public", None)
    trace.public = public if isinstance(public, bool) else None
    for key, field in (("langfuse.trace.input", "input"), ("langfuse.trace.output", "output")):
        if key in attrs:
            setattr(trace, field, messages.parse_json(attrs.pop(key)))
    metadata: dict[str, Any] = {}
    metadata.update(_decoded(flat.pop("langfuse.trace.metadata.", {}), span))
    for prefix in ("traceloop.association.properties.", "ai.telemetry.metadata."):
        metadata.update(flat.pop(prefix, {}))
    trace.metadata = metadata or None
    trace.release = _text(
        attrs.pop("langfuse.release", None) or span.resource.get("langfuse.release")
    )


def _tags(value: Any) -> list[str] | None:
    value = messages.parse_json(value)
    if isinstance(value, str):
        value = [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list | tuple):
        return [str(t) for t in value if t not in (None, "")] or None
    return None
