"""Request and query models of the scores API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel


class FeedbackIn(RequestModel):
    """A thumbs up (+1) or down (-1) from a user of the traced app."""

    value: Literal[1, -1]
    comment: str | None = Field(None, max_length=10_000)
    user_id: str | None = Field(None, max_length=200)
    id: str | None = Field(None, min_length=1, max_length=64, description="Client id; honoured.")


class ScoreFilters(BaseModel):
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    name: str | None = None
    source: str | None = None
    data_type: str | None = None
    from_time: datetime | None = Field(None, alias="from")
    to_time: datetime | None = Field(None, alias="to")

    model_config = {"populate_by_name": True}
