"""The body of `POST /api/v1/search`: a query, how many hits, the mode, the trace filters."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tracehouse.http.schemas import RequestModel
from tracehouse.traces.filters import TraceFilters

Mode = Literal["hybrid", "keyword", "semantic"]
MAX_LIMIT = 100


class SearchFilters(TraceFilters):
    """The trace list's filters, plus the type and level of the span a hit is in."""

    type: str | None = Field(
        None, max_length=20, description="Hits in spans of this type (`trace`: the trace's own)."
    )
    level: Literal["DEBUG", "DEFAULT", "WARNING", "ERROR"] | None = Field(
        None, description="Hits in spans of this level."
    )


class SearchRequest(SearchFilters, RequestModel):
    query: str = Field(min_length=1, max_length=2000, description="What to look for.")
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="How many traces (hits) at most.")
    mode: Mode = Field(
        "hybrid",
        description="`keyword` (full-text), `semantic` (vectors of the configured embedder) or "
        "`hybrid` (both, fused by reciprocal rank; keyword alone when no embedder is set).",
    )

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()
