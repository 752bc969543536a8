"""Request and query models of the tapes API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel

Visibility = Literal["public", "unlisted", "organization"]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"


class RedactionIn(RequestModel):
    """What goes public. Inputs, outputs and costs are shown unless turned off; metadata and
    user/session ids are kept private unless turned on. Listed metadata keys (at any depth) are
    dropped, or shown as `"***"`."""

    inputs: bool = True
    outputs: bool = True
    metadata: bool = False
    user_ids: bool = Field(False, description="Show the trace's user id and session id.")
    costs: bool = True
    drop_keys: list[str] = Field(default_factory=list, max_length=200)
    mask_keys: list[str] = Field(default_factory=list, max_length=200)


class TapeIn(RequestModel):
    """Publish a trace of the caller's project. Giving the `slug` of one of the project's own
    tapes re-publishes it: a fresh snapshot under the same address."""

    trace_id: str = Field(min_length=1, max_length=300)
    slug: str | None = Field(
        None, pattern=SLUG_PATTERN, description="A readable address; default: 128 random bits."
    )
    title: str | None = Field(None, max_length=300, description="Default: the trace's name.")
    description: str | None = Field(None, max_length=5000)
    tags: list[str] = Field(default_factory=list, max_length=10)
    visibility: Visibility = "unlisted"
    expires_at: datetime | None = None
    max_views: int | None = Field(None, ge=1, description="Distinct daily visitors allowed.")
    redaction: RedactionIn = Field(default_factory=RedactionIn)


class FeatureIn(RequestModel):
    featured: bool


class ExploreParams(BaseModel):
    sort: Literal["trending", "newest", "popular"] = "trending"
    tag: str | None = Field(None, max_length=100)
    featured: bool | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)
