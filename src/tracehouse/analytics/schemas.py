"""Request models of the analytics endpoints."""

from __future__ import annotations

from pydantic import Field

from tracehouse.http.schemas import RequestModel


class AnalyticsSettingsIn(RequestModel):
    slow_threshold_ms: float | None = Field(
        None, gt=0, description="A trace slower than this is slow; null: the range's p95 latency."
    )
