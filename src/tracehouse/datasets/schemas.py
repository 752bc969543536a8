"""Request models of the datasets API (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel

Status = Literal["ACTIVE", "ARCHIVED"]


class DatasetIn(RequestModel):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(None, max_length=10_000)
    metadata: Any = None
    input_schema: Any = None
    expected_output_schema: Any = None


class ItemIn(RequestModel):
    """An item; with an existing `id` it replaces that item (a new version of it)."""

    id: str | None = Field(None, min_length=1, max_length=64)
    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = Field(None, max_length=64)
    source_observation_id: str | None = Field(None, max_length=64)
    status: Status = "ACTIVE"


class ItemPatch(RequestModel):
    """Fields to change; the others keep their values. `status: ARCHIVED` archives."""

    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    status: Status | None = None


class FromTraceIn(RequestModel):
    """An item copied from a trace (or one of its observations): its input becomes the item's
    input and its output the expected output, unless `expected_output` is given."""

    trace_id: str = Field(min_length=1, max_length=64)
    observation_id: str | None = Field(None, max_length=64)
    expected_output: Any = None
    metadata: Any = None
    id: str | None = Field(None, min_length=1, max_length=64)


class ItemQuery(BaseModel):
    as_of: datetime | None = Field(None, description="Read the dataset as it was at this time.")
    include_archived: bool = False
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000)


class RunIn(RequestModel):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(None, max_length=10_000)
    metadata: Any = Field(None, description="e.g. model, prompt name and version.")


class RunItemIn(RequestModel):
    dataset_item_id: str = Field(min_length=1, max_length=64)
    trace_id: str | None = Field(None, max_length=64)
    observation_id: str | None = Field(None, max_length=64)


class OffsetQuery(BaseModel):
    """`limit` 1-200 (default 50) and `offset`; these lists are small and ordered by creation."""

    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)
