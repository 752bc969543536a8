"""Query model of the metrics API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class MetricFilters(BaseModel):
    name: str | None = Field(None, description="One metric, e.g. `gen_ai.client.token.usage`.")
    service_name: str | None = Field(None, description="The exporting service (`service.name`).")
    from_time: datetime | None = Field(None, alias="from", description="Points at or after.")
    to_time: datetime | None = Field(None, alias="to", description="Points before.")

    model_config = {"populate_by_name": True}
