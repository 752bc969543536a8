"""`/api/v1/usage` and `/api/v1/usage/daily`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tracehouse.errors import RateLimited, Unauthorized
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.usage import service

router = APIRouter(prefix="/api/v1/usage", tags=["usage"])
_READ = error_responses(Unauthorized, RateLimited)


@router.get("", responses=_READ, summary="This month's usage against the plan's limits")
def get_usage(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Traces, observations, tokens, cost and API requests since the first of the month (UTC),
    with the plan's hard limits; over one, ingestion answers 402 `quota_exceeded`."""
    return service.usage(rt, scope)


@router.get("/daily", responses=_READ, summary="Usage per day, last 30 days")
def get_daily(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.daily(rt, scope)
