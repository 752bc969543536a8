"""`/api/v1/analytics`, `/api/v1/analytics/costs`, `/api/v1/analytics/cost-intelligence`,
`/api/v1/analytics/settings` and `/api/v1/failures`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.analytics import costs, service
from tracehouse.analytics.schemas import AnalyticsSettingsIn
from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.traces.filters import TraceFilters

router = APIRouter(tags=["analytics"])
#: Reads answer 422 past the longest range and 503 past the time limit (`store.deadline`).
_READ = error_responses(
    InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited, Unavailable
)
_WRITE = error_responses(InvalidRequest, Unauthorized, Forbidden, ValidationFailed, RateLimited)
Filters = Annotated[TraceFilters, Query()]


@router.get("/api/v1/analytics", responses=_READ, summary="Dashboard analytics")
def analytics(filters: Filters, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Summary (traces, success rate, latency percentiles, tokens, cost, failed, warning,
    retried and slow traces), time-bucketed charts, breakdowns and recent failures over the
    range (default: the last 7 days) and the trace filters of `GET /api/v1/traces`."""
    return service.analytics(rt, scope, filters)


@router.get("/api/v1/failures", responses=_READ, summary="Failed, retried and slow traces")
def failures(
    filters: Filters,
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    kind: Annotated[
        service.FailureKind | None, Query(description="Only this list (to page through it).")
    ] = None,
) -> dict[str, Any]:
    """Three lists, each a page (`limit`, `cursor` from its `meta.next_cursor`, with `kind`)
    with its total: failed traces, retried traces, slow traces."""
    return service.failures(rt, scope, filters, page, kind)


@router.get("/api/v1/analytics/costs", responses=_READ, summary="Cost breakdown")
def cost_breakdown(filters: Filters, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Total cost and tokens, by model (with input/output tokens), by user, and per day, over
    the range (default: the last 30 days)."""
    return costs.costs(rt, scope, filters)


@router.get("/api/v1/analytics/cost-intelligence", responses=_READ, summary="Cost intelligence")
def cost_intelligence(filters: Filters, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Cost per feature (trace name), model efficiency, and recommendations with estimated
    monthly savings and their reasoning."""
    return costs.cost_intelligence(rt, scope, filters)


@router.get("/api/v1/analytics/settings", responses=_READ, summary="Analytics settings")
def get_settings(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get_settings(rt, scope)


@router.put("/api/v1/analytics/settings", responses=_WRITE, summary="Set analytics settings")
def put_settings(
    body: AnalyticsSettingsIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Set the project's slow-request threshold (null: the p95 latency of the range)."""
    service.set_settings(rt, scope, body.slow_threshold_ms)
    return service.get_settings(rt, scope)
