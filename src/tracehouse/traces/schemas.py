"""Request bodies of the traces API that are not traces themselves."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracehouse.http.schemas import RequestModel

FilterValue = str | int | float | bool | list[str]


class ExportIn(RequestModel):
    """An export of traces a client is about to make over `GET /api/v1/traces` (what
    `tracehouse export` announces), for the audit log."""

    format: Literal["jsonl", "csv", "parquet"]
    table: Literal["traces", "observations", "scores"] = "traces"
    filters: dict[str, FilterValue] = Field(
        default_factory=dict, max_length=50, description="The list filters, as query parameters."
    )
    count: int = Field(ge=0, description="How many traces the export holds.")
