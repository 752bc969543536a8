"""Request models of `/api/v1/evaluations`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tracehouse.errors import InvalidRequest
from tracehouse.http.schemas import RequestModel
from tracehouse.traces.filters import TraceFilters


class TraceRunIn(RequestModel):
    """Evaluate traces with evaluators (or with an evaluation's criteria)."""

    trace_ids: list[str] = Field(min_length=1, max_length=1000)
    evaluator_ids: list[str] = Field(default_factory=list, max_length=50)
    evaluation_id: str | None = None


class SessionRunIn(RequestModel):
    session_ids: list[str] = Field(min_length=1, max_length=1000)
    evaluator_ids: list[str] = Field(default_factory=list, max_length=50)
    evaluation_id: str | None = None


class DatasetRunIn(RequestModel):
    """Evaluate dataset runs: each item's trace, with the item's expected output."""

    dataset_run_ids: list[str] = Field(min_length=1, max_length=100)
    evaluator_ids: list[str] = Field(default_factory=list, max_length=50)
    evaluation_id: str | None = None


class EvaluationIn(RequestModel):
    """An evaluation: criteria are evaluators (ids or names) applied together."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    criteria: list[str] = Field(min_length=1, max_length=50)


class EvaluationRunIn(RequestModel):
    trace_id: str | None = None
    trace_ids: list[str] = Field(default_factory=list, max_length=1000)
    session_ids: list[str] = Field(default_factory=list, max_length=1000)
    dataset_run_ids: list[str] = Field(default_factory=list, max_length=100)

    def targets(self) -> tuple[str, list[str]]:
        """(target type, ids): exactly one kind of target."""
        trace_ids = self.trace_ids + ([self.trace_id] if self.trace_id else [])
        given = [
            (kind, ids)
            for kind, ids in (
                ("trace", trace_ids),
                ("session", self.session_ids),
                ("dataset_run", self.dataset_run_ids),
            )
            if ids
        ]
        if len(given) != 1:
            raise InvalidRequest(
                "Give trace_id / trace_ids, session_ids or dataset_run_ids (one kind)."
            )
        return given[0]


class MonitorIn(RequestModel):
    """An online evaluator: samples new traces matching `filter` at `sampling_rate`."""

    name: str = Field(min_length=1, max_length=200)
    evaluator_ids: list[str] = Field(min_length=1, max_length=20)
    filter: dict[str, Any] = Field(
        default_factory=dict, description="Trace filters, as the query of GET /api/v1/traces."
    )
    sampling_rate: float = Field(1.0, ge=0, le=1)
    enabled: bool = True
    delay_seconds: float = Field(
        30.0, ge=0, le=86_400, description="Wait this long after a trace arrives (late spans)."
    )

    def checked_filter(self) -> dict[str, Any]:
        return TraceFilters.model_validate(self.filter).model_dump(
            mode="json", by_alias=True, exclude_defaults=True
        )


class MonitorPatch(RequestModel):
    evaluator_ids: list[str] | None = Field(None, min_length=1, max_length=20)
    filter: dict[str, Any] | None = None
    sampling_rate: float | None = Field(None, ge=0, le=1)
    enabled: bool | None = None
    delay_seconds: float | None = Field(None, ge=0, le=86_400)
