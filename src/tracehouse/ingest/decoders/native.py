"""The native JSON API's request bodies (`/api/v1/traces`, `/observations`, `/scores`) and
their translation to canonical records."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator

from tracehouse.clock import to_us
from tracehouse.http.bounds import MAX_INT32, Json, JsonObject, Time
from tracehouse.http.schemas import RequestModel
from tracehouse.ids import new_id
from tracehouse.records import (
    LEVELS,
    MAX_COST,
    MAX_COUNT,
    OBSERVATION_TYPES,
    SCORE_DATA_TYPES,
    SCORE_SOURCES,
    STRING_SCORE_TYPES,
    TRACE_STATUSES,
    Cost,
    ObservationRecord,
    ScoreRecord,
    TraceRecord,
    Usage,
)

#: A score's number: finite (NaN and infinities are refused, not stored as null).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class UsageIn(RequestModel):
    """Token counts. `input_tokens` includes cached tokens; `output_tokens` includes reasoning."""

    input_tokens: int | None = Field(
        None,
        ge=0,
        le=MAX_COUNT,
        validation_alias=AliasChoices(
            "input_tokens", "inputTokens", "input", "prompt_tokens", "promptTokens"
        ),
    )
    output_tokens: int | None = Field(
        None,
        ge=0,
        le=MAX_COUNT,
        validation_alias=AliasChoices(
            "output_tokens", "outputTokens", "output", "completion_tokens", "completionTokens"
        ),
    )
    total_tokens: int | None = Field(
        None,
        ge=0,
        le=MAX_COUNT,
        validation_alias=AliasChoices("total_tokens", "totalTokens", "total"),
    )
    cache_read_tokens: int | None = Field(None, ge=0, le=MAX_COUNT)
    cache_write_tokens: int | None = Field(None, ge=0, le=MAX_COUNT)
    reasoning_tokens: int | None = Field(None, ge=0, le=MAX_COUNT)

    def record(self) -> Usage:
        return Usage(**self.model_dump())


class CostIn(RequestModel):
    """A cost the client computed itself (USD); kept beside the cost Tracehouse computes."""

    input: float | None = Field(None, ge=0, le=MAX_COST)
    output: float | None = Field(None, ge=0, le=MAX_COST)
    total: float | None = Field(None, ge=0, le=MAX_COST)

    def record(self) -> Cost:
        return Cost(**self.model_dump())


class ObservationFields(RequestModel):
    """Fields of an observation; every one optional so updates can be partial."""

    parent_id: str | None = Field(
        None,
        max_length=64,
        validation_alias=AliasChoices(
            "parent_id", "parentId", "parent_observation_id", "parentObservationId"
        ),
    )
    type: str | None = Field(None, description=f"One of: {', '.join(OBSERVATION_TYPES)}.")
    name: str | None = Field(None, max_length=500)
    start_time: Time | None = None
    end_time: Time | None = None
    completion_start_time: Time | None = None
    model: str | None = Field(None, max_length=200)
    provider: str | None = Field(None, max_length=100)
    model_parameters: JsonObject | None = None
    input: Json = None
    output: Json = None
    usage: UsageIn | None = None
    cost: CostIn | None = None
    level: str | None = Field(None, description=f"One of: {', '.join(LEVELS)}.")
    status_message: str | None = None
    metadata: JsonObject | None = None
    prompt_name: str | None = Field(None, max_length=200)
    prompt_version: int | None = Field(None, ge=0, le=MAX_INT32)
    environment: str | None = Field(None, max_length=100)
    version: str | None = Field(None, max_length=200)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.lower()
        if value not in OBSERVATION_TYPES:
            raise ValueError(f"must be one of: {', '.join(OBSERVATION_TYPES)}")
        return value

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if value not in LEVELS:
            raise ValueError(f"must be one of: {', '.join(LEVELS)}")
        return value

    def record(self, observation_id: str, trace_id: str) -> ObservationRecord:
        return ObservationRecord(
            id=observation_id,
            trace_id=trace_id,
            type=self.type,
            parent_id=self.parent_id,
            name=self.name,
            start_time=to_us(self.start_time),
            end_time=to_us(self.end_time),
            completion_start_time=to_us(self.completion_start_time),
            model=self.model,
            provider=self.provider,
            model_parameters=self.model_parameters,
            input=self.input,
            output=self.output,
            usage=self.usage.record() if self.usage else Usage(),
            reported_cost=self.cost.record() if self.cost else Cost(),
            level=self.level,
            status_message=self.status_message,
            metadata=self.metadata,
            prompt_name=self.prompt_name,
            prompt_version=self.prompt_version,
            environment=self.environment,
            version=self.version,
        )


class ObservationIn(ObservationFields):
    """An observation sent inside `POST /traces` (its trace is the enclosing one)."""

    id: str | None = Field(None, min_length=1, max_length=64, description="Client id; honoured.")
    trace_id: str | None = Field(None, min_length=1, max_length=64)


class ObservationCreate(ObservationFields):
    """`POST /observations`: creates or updates (same id) one observation."""

    id: str | None = Field(None, min_length=1, max_length=64, description="Client id; honoured.")
    trace_id: str = Field(min_length=1, max_length=64)


class ObservationPatch(ObservationFields):
    """`PATCH /observations/{id}`: only the given fields change."""

    trace_id: str | None = Field(None, min_length=1, max_length=64)


class TraceIn(RequestModel):
    """`POST /traces`: creates or updates (same id) a trace, with optional observations."""

    id: str | None = Field(None, min_length=1, max_length=64, description="Client id; honoured.")
    name: str | None = Field(None, max_length=500)
    user_id: str | None = Field(None, max_length=200)
    session_id: str | None = Field(None, max_length=200)
    environment: str | None = Field(None, max_length=100)
    release: str | None = Field(None, max_length=200)
    version: str | None = Field(None, max_length=200)
    tags: list[str] | None = None
    metadata: JsonObject | None = None
    input: Json = None
    output: Json = None
    status: str | None = Field(None, description="ok, warning or error (else rolled up).")
    status_message: str | None = None
    start_time: Time | None = Field(
        None, validation_alias=AliasChoices("start_time", "startTime", "timestamp")
    )
    end_time: Time | None = None
    public: bool | None = None
    bookmarked: bool | None = None
    observations: list[ObservationIn] = Field(default_factory=list, max_length=10_000)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in TRACE_STATUSES:
            raise ValueError(f"must be one of: {', '.join(TRACE_STATUSES)}")
        return None if value is None else value.lower()

    @model_validator(mode="after")
    def _observations_belong(self) -> TraceIn:
        for index, obs in enumerate(self.observations):
            if obs.trace_id is not None and self.id is not None and obs.trace_id != self.id:
                raise ValueError(f"observations[{index}].trace_id differs from the trace id")
        return self

    def records(self) -> tuple[TraceRecord, list[ObservationRecord]]:
        trace_id = self.id or new_id()
        trace = TraceRecord(
            id=trace_id,
            name=self.name,
            user_id=self.user_id,
            session_id=self.session_id,
            environment=self.environment,
            release=self.release,
            version=self.version,
            tags=self.tags,
            metadata=self.metadata,
            input=self.input,
            output=self.output,
            status=self.status,
            status_message=self.status_message,
            start_time=to_us(self.start_time),
            end_time=to_us(self.end_time),
            public=self.public,
            bookmarked=self.bookmarked,
        )
        observations = [o.record(o.id or new_id(), trace_id) for o in self.observations]
        return trace, observations


class ScoreIn(RequestModel):
    """`POST /scores`: a numeric, categorical or boolean score on a trace, observation, session."""

    id: str | None = Field(None, min_length=1, max_length=64, description="Client id; honoured.")
    name: str = Field(min_length=1, max_length=200)
    value: FiniteFloat | str | bool
    data_type: str | None = Field(
        None, description="NUMERIC, CATEGORICAL, BOOLEAN, TEXT or CORRECTION (inferred)."
    )
    trace_id: str | None = Field(None, max_length=64)
    observation_id: str | None = Field(None, max_length=64)
    session_id: str | None = Field(None, max_length=200)
    comment: str | None = None
    metadata: JsonObject | None = None
    source: str = Field("api", description=f"One of: {', '.join(SCORE_SOURCES)}.")
    environment: str | None = None
    timestamp: Time | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value.lower() not in SCORE_SOURCES:
            raise ValueError(f"must be one of: {', '.join(SCORE_SOURCES)}")
        return value.lower()

    @model_validator(mode="after")
    def _has_target(self) -> ScoreIn:
        if not (self.trace_id or self.observation_id or self.session_id):
            raise ValueError("a score needs a trace_id, observation_id or session_id")
        score_value(self.value, self.data_type)
        return self

    def record(self, author: str | None = None) -> ScoreRecord:
        data_type, number, text = score_value(self.value, self.data_type)
        return ScoreRecord(
            id=self.id or new_id(),
            name=self.name,
            data_type=data_type,
            value=number,
            string_value=text,
            source=self.source,
            trace_id=self.trace_id,
            observation_id=self.observation_id,
            session_id=self.session_id,
            comment=self.comment,
            metadata=self.metadata,
            author=author,
            environment=self.environment,
            timestamp=to_us(self.timestamp),
        )


def score_value(
    value: float | str | bool, data_type: str | None
) -> tuple[str, float | None, str | None]:
    """Normalise a score value: (data type, numeric value, string value)."""
    kind = (data_type or "").upper() or (
        "BOOLEAN"
        if isinstance(value, bool)
        else "CATEGORICAL"
        if isinstance(value, str)
        else "NUMERIC"
    )
    if kind == "BOOLEAN":
        truth = _as_bool(value)
        return kind, 1.0 if truth else 0.0, "True" if truth else "False"
    if kind in STRING_SCORE_TYPES:
        return kind, None, str(value)
    if kind == "NUMERIC":
        if isinstance(value, str):
            raise ValueError("a NUMERIC score needs a number value")
        return kind, float(value), None
    raise ValueError(f"data_type must be one of: {', '.join(SCORE_DATA_TYPES)}")


def _as_bool(value: float | str | bool) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
        raise ValueError("a BOOLEAN score needs true/false or 1/0")
    if value not in (0, 1, True, False):
        raise ValueError("a BOOLEAN score needs true/false or 1/0")
    return bool(value)
