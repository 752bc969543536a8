"""`/api/v1/metrics`: the GenAI metric points received on `/v1/metrics`, with filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import InvalidRequest, RateLimited, Unauthorized, ValidationFailed
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.metrics import service
from tracehouse.metrics.schemas import MetricFilters

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])


@router.get(
    "",
    summary="List GenAI metric points",
    responses=error_responses(InvalidRequest, Unauthorized, ValidationFailed, RateLimited),
)
def list_metrics(
    filters: Annotated[MetricFilters, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Data points of the GenAI metrics (`gen_ai.client.token.usage`,
    `gen_ai.client.operation.duration`, …) exported to `/v1/metrics`, newest first."""
    return service.list_points(rt, scope, filters, page)
