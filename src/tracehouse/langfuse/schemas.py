"""Request bodies of Langfuse's ingestion and score endpoints, as Langfuse clients send them.

Every model accepts Langfuse's camelCase names (and snake_case) and ignores unknown keys, so a
newer client's extra fields never fail a request.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from tracehouse.http.bounds import MAX_INT32, Json, JsonObject, Time
from tracehouse.http.schemas import RequestModel
from tracehouse.records import LEVELS


class TraceBody(RequestModel):
    """`trace-create`: creates or updates (same id) a trace."""

    id: str | None = Field(None, min_length=1, max_length=64)
    timestamp: Time | None = None
    name: str | None = Field(None, max_length=1000)
    user_id: str | None = Field(None, max_length=200)
    session_id: str | None = Field(None, max_length=200)
    input: Json = None
    output: Json = None
    metadata: Json = None
    tags: list[str] | None = None
    release: str | None = Field(None, max_length=200)
    version: str | None = Field(None, max_length=200)
    public: bool | None = None
    environment: str | None = Field(None, max_length=100)


class ObservationBody(RequestModel):
    """Span, generation, event (and agent, tool, … `-create`) bodies: every field optional."""

    id: str | None = Field(None, min_length=1, max_length=64)
    trace_id: str | None = Field(None, min_length=1, max_length=64)
    type: str | None = None
    parent_observation_id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=1000)
    start_time: Time | None = None
    end_time: Time | None = None
    completion_start_time: Time | None = None
    metadata: Json = None
    input: Json = None
    output: Json = None
    level: str | None = None
    status_message: str | None = None
    version: str | None = Field(None, max_length=200)
    environment: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=200)
    model_parameters: JsonObject | None = None
    usage: JsonObject | None = None
    usage_details: JsonObject | None = None
    cost_details: JsonObject | None = None
    prompt_name: str | None = Field(None, max_length=200)
    prompt_version: int | None = Field(None, ge=0, le=MAX_INT32)

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in LEVELS:
            raise ValueError(f"must be one of: {', '.join(LEVELS)}")
        return value.upper()


class ScoreBody(RequestModel):
    """A Langfuse score: on a trace, an observation, a session or a dataset run."""

    id: str | None = Field(None, min_length=1, max_length=64)
    trace_id: str | None = Field(None, max_length=64)
    observation_id: str | None = Field(None, max_length=64)
    session_id: str | None = Field(None, max_length=200)
    dataset_run_id: str | None = Field(None, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    value: Annotated[float, Field(allow_inf_nan=False)] | str
    comment: str | None = None
    metadata: Json = None
    data_type: str | None = None
    config_id: str | None = None
    environment: str | None = Field(None, max_length=100)
    queue_id: str | None = None
    timestamp: Time | None = None


class IngestionEvent(RequestModel):
    """One envelope of `POST /api/public/ingestion`: its `id` names it in the answer."""

    id: str = Field(min_length=1, max_length=200)
    type: str
    timestamp: Time | None = None
    metadata: Json = None
    body: dict[str, Any]
