"""Request models of the insights endpoints."""

from __future__ import annotations

from pydantic import Field

from tracehouse.http.schemas import RequestModel


class RootCauseIn(RequestModel):
    trace_id: str = Field(min_length=1, max_length=64)


class ProviderIn(RequestModel):
    base_url: str = Field(
        min_length=8, max_length=500, pattern=r"^https?://", description="e.g. …/v1"
    )
    model: str = Field(min_length=1, max_length=200)
    api_key: str = Field(min_length=1, max_length=1000, description="Stored encrypted.")
