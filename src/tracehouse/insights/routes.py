"""`/api/v1/insights/*`: drift, anomalies, failure clusters, root cause, the LLM provider."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import (
    ProjectScope,
    ProjectScopeDep,
    RuntimeDep,
    ai_per_minute,
    endpoint_limit,
)
from tracehouse.http.errors import error_responses
from tracehouse.insights import anomalies, clusters, drift, provider, service
from tracehouse.insights.schemas import ProviderIn, RootCauseIn
from tracehouse.traces.filters import TraceFilters

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])
#: Reads answer 503 past the time limit of analytic reads (`store.deadline`).
_READ = error_responses(
    InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited, Unavailable
)
_WRITE = error_responses(InvalidRequest, Unauthorized, Forbidden, ValidationFailed, RateLimited)
Filters = Annotated[TraceFilters, Query()]
RootCauseScope = Annotated[ProjectScope, Depends(endpoint_limit("root-cause", ai_per_minute))]


@router.get("/drift", responses=_READ, summary="Metric drift with significance tests")
def get_drift(
    filters: Filters,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    recent_hours: Annotated[float, Query(gt=0, le=24 * 90)] = 24,
    baseline_days: Annotated[float, Query(gt=0, le=365)] = 7,
) -> dict[str, Any]:
    """Cost, tokens and duration per trace (Mann-Whitney U) and error rate (two-proportion z)
    of the last `recent_hours` before `to` (default now) against the `baseline_days` before."""
    return drift.drift(rt, scope, filters, recent_hours, baseline_days)


@router.get("/anomalies", responses=_READ, summary="Cost, latency, error spikes; volume drops")
def get_anomalies(
    filters: Filters,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    window_hours: Annotated[float, Query(gt=0, le=24 * 7)] = 6,
) -> dict[str, Any]:
    """The last `window_hours` against the 7 days before, each anomaly with a severity."""
    return anomalies.anomalies(rt, scope, filters, window_hours)


@router.get("/failures", responses=_READ, summary="Failed traces clustered by error pattern")
def get_failure_clusters(
    filters: Filters,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    return clusters.clusters(rt, scope, filters, limit)


@router.post(
    "/root-cause",
    responses=_READ,
    summary="Explain a failed trace",
)
def post_root_cause(body: RootCauseIn, scope: RootCauseScope, rt: RuntimeDep) -> dict[str, Any]:
    """Root cause, failed step, contributing factors, suggested fix and confidence; `source`
    says whether the project's LLM provider (`llm`) or the rule-based analysis (`rules`)
    produced it. AI-backed: capped at `ai_rate_limit_per_minute` calls a minute per caller."""
    return service.root_cause(rt, scope, body.trace_id)


@router.get("/provider", responses=_READ, summary="The project's LLM provider")
def get_provider(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Base URL, model and the last characters of the key (the key itself is never shown)."""
    return provider.get(rt, scope)


@router.put("/provider", responses=_WRITE, summary="Set the project's LLM provider")
def put_provider(body: ProviderIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """An OpenAI-compatible endpoint for root-cause analysis; the key is stored encrypted."""
    provider.put(rt, scope, body.base_url, body.model, body.api_key)
    return provider.get(rt, scope)


@router.delete("/provider", status_code=204, responses=_WRITE, summary="Remove the provider")
def delete_provider(scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    provider.delete(rt, scope)
    return Response(status_code=204)
