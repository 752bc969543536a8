"""Langfuse ingestion events and score bodies to canonical records.

`decode_events` validates each envelope on its own: valid events become records (committed
together by the caller), invalid ones become per-event errors in Langfuse's 207 answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tracehouse.clock import to_us
from tracehouse.conventions.usage import (
    GIVEN_USAGE_KEY,
    cost_from_details,
    given_usage,
    langfuse_usage,
)
from tracehouse.http.errors import field_errors
from tracehouse.ids import new_id
from tracehouse.ingest.decoders.native import score_value
from tracehouse.langfuse.schemas import IngestionEvent, ObservationBody, ScoreBody, TraceBody
from tracehouse.records import (
    OBSERVATION_TYPES,
    Batch,
    Cost,
    ObservationRecord,
    ScoreRecord,
    TraceRecord,
    Usage,
)

log = logging.getLogger(__name__)

#: Observation event types and the observation type each one sets (None: keep / from the body).
OBSERVATION_EVENTS: dict[str, str | None] = {
    "span-create": "span",
    "span-update": None,
    "generation-create": "generation",
    "generation-update": "generation",
    "event-create": "event",
    "agent-create": "agent",
    "tool-create": "tool",
    "chain-create": "chain",
    "retriever-create": "retriever",
    "evaluator-create": "evaluator",
    "embedding-create": "embedding",
    "guardrail-create": "guardrail",
    "observation-create": None,
    "observation-update": None,
}
UPDATE_EVENTS = frozenset({"span-update", "generation-update", "observation-update"})
EVENT_TYPES = ("trace-create", *OBSERVATION_EVENTS, "score-create", "sdk-log")


class EventError(ValueError):
    """An event that cannot be accepted; `status` goes into its entry of the 207 answer."""

    def __init__(self, message: str, status: int = 400, error: Any = None):
        super().__init__(message)
        self.status = status
        self.error = error if error is not None else message

    def describe(self) -> str:
        """The message, with the names of the bad fields when validation failed."""
        if not isinstance(self.error, list):
            return str(self)
        fields = [e["field"] for e in self.error if isinstance(e, dict)]
        return f"{self} ({', '.join(fields)})"


@dataclass
class Decoded:
    """The records of the valid events, and the 207 answer's successes and errors."""

    batch: Batch = field(default_factory=Batch)
    successes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: Updates that named no trace: (event id, record); the caller looks their trace up.
    orphans: list[tuple[str, ObservationRecord]] = field(default_factory=list)

    def fail(self, event_id: Any, exc: EventError) -> None:
        self.errors.append(
            {
                "id": event_id if isinstance(event_id, str) else None,
                "status": exc.status,
                "message": str(exc),
                "error": exc.error,
            }
        )


def decode_events(raw_events: list[Any]) -> Decoded:
    """Decode a `batch` array; never raises for a bad event."""
    out = Decoded()
    for raw in raw_events:
        event_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            event = validate(IngestionEvent, raw)
            _decode_one(event, out)
        except EventError as exc:
            out.fail(event_id, exc)
            continue
    return out


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], raw: Any) -> M:
    """`model` from `raw`, or an `EventError` (400) naming each bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise EventError("Invalid request data", 400, field_errors(exc.errors())) from exc


def _decode_one(event: IngestionEvent, out: Decoded) -> None:
    kind = event.type
    if kind == "trace-create":
        out.batch.traces.append(trace_record(validate(TraceBody, event.body), event))
    elif kind in OBSERVATION_EVENTS:
        body = validate(ObservationBody, event.body)
        record = observation_record(kind, body, event)
        if record.trace_id:
            out.batch.observations.append(record)
        else:
            out.orphans.append((event.id, record))
            return
    elif kind == "score-create":
        out.batch.scores.append(score_record(validate(ScoreBody, event.body), event))
    elif kind == "sdk-log":
        log.debug("langfuse sdk-log event %s", event.id)
    else:
        raise EventError(
            f"Unknown event type {kind!r}; expected one of: {', '.join(EVENT_TYPES)}.",
            400,
            "InvalidEventType",
        )
    out.successes.append({"id": event.id, "status": 201})


def trace_record(body: TraceBody, event: IngestionEvent | None = None) -> TraceRecord:
    return TraceRecord(
        id=body.id or new_id(),
        name=body.name,
        user_id=body.user_id,
        session_id=body.session_id,
        environment=body.environment,
        release=body.release,
        version=body.version,
        tags=body.tags,
        metadata=_metadata(body.metadata),
        input=body.input,
        output=body.output,
        start_time=_body_or_event_time(body.timestamp, event),
        public=body.public,
    )


def observation_record(
    kind: str, body: ObservationBody, event: IngestionEvent
) -> ObservationRecord:
    """One observation event as a record; its trace id may still be missing for an update."""
    obs_type = _observation_type(kind, body)
    if kind in UPDATE_EVENTS and not body.id:
        raise EventError(f"{kind} needs the id of the observation to update")
    start, end = _observation_times(kind, obs_type, body, event)
    trace_id = body.trace_id
    if trace_id is None and kind not in UPDATE_EVENTS:
        trace_id = new_id()  # Langfuse starts a new trace for an observation without one
    usage, cost, extra = _usage(body)
    metadata = _metadata(body.metadata)
    if extra:
        metadata = {**(metadata or {}), **extra}
    given = given_usage(body.usage_details)
    return ObservationRecord(
        id=body.id or new_id(),
        trace_id=trace_id or "",
        type=obs_type,
        parent_id=body.parent_observation_id,
        name=body.name,
        start_time=start,
        end_time=end,
        completion_start_time=_time(body.completion_start_time),
        model=body.model,
        model_parameters=body.model_parameters,
        input=body.input,
        output=body.output,
        usage=usage,
        reported_cost=cost,
        level=body.level,
        status_message=body.status_message,
        metadata=metadata,
        prompt_name=body.prompt_name,
        prompt_version=body.prompt_version,
        environment=body.environment,
        version=body.version,
        attributes={GIVEN_USAGE_KEY: body.usage_details} if given else None,
    )


def _observation_type(kind: str, body: ObservationBody) -> str | None:
    """The type an event names (`generation-create`), else the body's `type`, checked."""
    obs_type = OBSERVATION_EVENTS[kind]
    if obs_type is None and body.type:
        obs_type = body.type.lower()
        if obs_type not in OBSERVATION_TYPES:
            raise EventError(f"type must be one of: {', '.join(OBSERVATION_TYPES)}")
    return obs_type


def _observation_times(
    kind: str, obs_type: str | None, body: ObservationBody, event: IngestionEvent
) -> tuple[int | None, int | None]:
    """Start and end (µs): a new observation without a start began at the event's time; an event
    without an end ends where it starts."""
    start = _time(body.start_time)
    if start is None and kind not in UPDATE_EVENTS:
        start = _time(event.timestamp)
    end = _time(body.end_time)
    if obs_type == "event" and end is None:
        end = start
    return start, end


_LEGACY_USAGE: dict[str, tuple[str, ...]] = {
    "input_tokens": ("input", "promptTokens"),
    "output_tokens": ("output", "completionTokens"),
    "total_tokens": ("total", "totalTokens"),
}
_LEGACY_COST = {"input": "inputCost", "output": "outputCost", "total": "totalCost"}


def _usage(body: ObservationBody) -> tuple[Usage, Cost, dict[str, Any]]:
    """Token usage and reported cost: `usageDetails` wins over the legacy `usage` object.

    Usage counted in another unit than tokens (characters, images, …) is kept in metadata
    rather than priced as tokens.
    """
    usage, cost, extra = Usage(), Cost(), {}
    legacy = body.usage or {}
    if body.usage_details:
        usage = Usage(**langfuse_usage(body.usage_details))
    elif legacy:
        unit = str(legacy.get("unit") or "TOKENS").upper()
        if "prompt_tokens" in legacy or "input_tokens" in legacy:
            usage = Usage(**langfuse_usage(legacy))
        elif unit != "TOKENS":
            extra["usage"] = {k: v for k, v in legacy.items() if not k.endswith("Cost")}
        else:
            usage = Usage(**{f: _count(legacy, keys) for f, keys in _LEGACY_USAGE.items()})
        legacy_cost = {part: legacy.get(key) for part, key in _LEGACY_COST.items()}
        if any(v is not None for v in legacy_cost.values()):
            cost = cost_from_details({k: v for k, v in legacy_cost.items() if v is not None})
    if body.cost_details:
        cost = cost_from_details(body.cost_details)
    return usage, cost, extra


def _count(values: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def score_record(body: ScoreBody, event: IngestionEvent | None = None) -> ScoreRecord:
    """A Langfuse score as a record; the data type is inferred when not given, and the time
    is the body's, else its ingestion event's."""
    if not (body.trace_id or body.observation_id or body.session_id or body.dataset_run_id):
        raise EventError("A score needs a traceId, observationId, sessionId or datasetRunId.")
    try:
        data_type, number, text = score_value(body.value, body.data_type)
    except ValueError as exc:
        raise EventError(str(exc)) from exc
    metadata = _metadata(body.metadata) or {}
    linked = {
        "dataset_run_id": body.dataset_run_id,
        "config_id": body.config_id,
        "queue_id": body.queue_id,
    }
    metadata.update({k: v for k, v in linked.items() if v is not None})
    return ScoreRecord(
        id=body.id or new_id(),
        name=body.name,
        data_type=data_type,
        value=number,
        string_value=text,
        trace_id=body.trace_id,
        observation_id=body.observation_id,
        session_id=body.session_id,
        comment=body.comment,
        metadata=metadata or None,
        environment=body.environment,
        timestamp=_body_or_event_time(body.timestamp, event),
    )


def _metadata(value: Any) -> dict[str, Any] | None:
    """Langfuse metadata may be any JSON value; ours is an object, so others are wrapped."""
    if value is None:
        return None
    return value if isinstance(value, dict) else {"metadata": value}


def _body_or_event_time(value: Any, event: IngestionEvent | None) -> int | None:
    """The body's time, else the time on its ingestion event's envelope."""
    return _time(value) or (_time(event.timestamp) if event else None)


def _time(value: Any) -> int | None:
    try:
        return to_us(value)
    except (TypeError, ValueError) as exc:
        raise EventError(f"Invalid timestamp {value!r}") from exc
