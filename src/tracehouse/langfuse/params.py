"""Query parameters of Langfuse's read endpoints, under Langfuse's camelCase names."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Query(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


_FILTER_DOC = (
    "JSON array of `{type, column, operator, value, key?}` conditions, all of which must "
    "match (Langfuse's filter format); see docs/api.md for the columns."
)


class Filtered(_Query):
    """A read that takes Langfuse's JSON `filter` (`langfuse.filters`)."""

    filter: str | None = Field(None, description=_FILTER_DOC)


class PageQuery(_Query):
    """Langfuse's page-based pagination: `page` from 1, `limit` items per page."""

    page: int = Field(1, ge=1, le=1_000_000)
    limit: int = Field(50, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class TraceQuery(PageQuery, Filtered):
    user_id: str | None = Field(None, alias="userId")
    name: str | None = None
    session_id: str | None = Field(None, alias="sessionId")
    from_timestamp: datetime | None = Field(None, alias="fromTimestamp")
    to_timestamp: datetime | None = Field(None, alias="toTimestamp")
    order_by: str | None = Field(
        None, alias="orderBy", description="`field.asc` or `field.desc`, e.g. `timestamp.desc`."
    )
    tags: list[str] = Field(default_factory=list, description="Traces carrying every tag.")
    version: str | None = None
    release: str | None = None
    environment: list[str] = Field(default_factory=list)
    fields: str | None = Field(
        None, description="Comma list of core, io, scores, observations, metrics."
    )


class ObservationQuery(PageQuery, Filtered):
    name: str | None = None
    user_id: str | None = Field(None, alias="userId")
    type: str | None = None
    trace_id: str | None = Field(None, alias="traceId")
    level: str | None = None
    parent_observation_id: str | None = Field(None, alias="parentObservationId")
    environment: list[str] = Field(default_factory=list)
    from_start_time: datetime | None = Field(None, alias="fromStartTime")
    to_start_time: datetime | None = Field(None, alias="toStartTime")
    version: str | None = None


class ObservationV2Query(Filtered):
    fields: str | None = Field(None, description="Field groups; default `core,basic`.")
    expand_metadata: bool = Field(False, alias="expandMetadata")
    limit: int = Field(50, ge=1, le=1000)
    cursor: str | None = None
    name: str | None = None
    user_id: str | None = Field(None, alias="userId")
    session_id: str | None = Field(None, alias="sessionId")
    type: str | None = None
    trace_id: str | None = Field(None, alias="traceId")
    level: str | None = None
    parent_observation_id: str | None = Field(None, alias="parentObservationId")
    is_root_observation: bool | None = Field(None, alias="isRootObservation")
    environment: list[str] = Field(default_factory=list)
    from_start_time: datetime | None = Field(None, alias="fromStartTime")
    to_start_time: datetime | None = Field(None, alias="toStartTime")
    version: str | None = None


class SessionQuery(PageQuery):
    from_timestamp: datetime | None = Field(None, alias="fromTimestamp")
    to_timestamp: datetime | None = Field(None, alias="toTimestamp")
    environment: list[str] = Field(default_factory=list)


class ScoreFilterQuery(Filtered):
    """Filters shared by `/v2/scores` and `/v3/scores` (comma lists where Langfuse has them)."""

    name: str | None = None
    source: str | None = None
    data_type: str | None = Field(None, alias="dataType")
    environment: list[str] = Field(default_factory=list)
    trace_id: str | None = Field(None, alias="traceId")
    observation_id: str | None = Field(None, alias="observationId")
    session_id: str | None = Field(None, alias="sessionId")
    user_id: str | None = Field(None, alias="userId")
    from_timestamp: datetime | None = Field(None, alias="fromTimestamp")
    to_timestamp: datetime | None = Field(None, alias="toTimestamp")
    value_min: float | None = Field(None, alias="valueMin")
    value_max: float | None = Field(None, alias="valueMax")


class ScoreV2Query(ScoreFilterQuery, PageQuery):
    score_ids: str | None = Field(None, alias="scoreIds", description="Comma list of ids.")
    operator: str | None = Field(None, description="With `value`: <, >, <=, >=, !=, =.")
    value: float | None = None


class ScoreV3Query(ScoreFilterQuery):
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = None
    id: str | None = Field(None, description="Comma list of ids.")
    value: str | None = None
