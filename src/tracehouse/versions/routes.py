"""`/api/v1/versions`: the project's commits, branches or releases with their figures, and the
comparison of two versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import (
    InvalidRequest,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.versions import service
from tracehouse.versions.schemas import CompareQuery, VersionListQuery

router = APIRouter(prefix="/api/v1/versions", tags=["versions"])
_READ = error_responses(InvalidRequest, Unauthorized, ValidationFailed, RateLimited, Unavailable)


@router.get("", responses=_READ, summary="List versions")
def list_versions(
    query: Annotated[VersionListQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Commits (`by=commit`, from git links and OTLP/SDK VCS attributes), branches or releases
    of the traces matching the trace filters, most recently seen first, each with its volume,
    error rate, latency p50/p95, mean tokens and total cost (commits: message, author...)."""
    return service.list_versions(rt, scope, query)


@router.get("/compare", responses=_READ, summary="Compare two versions")
def compare_versions(
    query: Annotated[CompareQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Version `b` against `a` (each `commit:<sha>`, `branch:<name>`, `release:<name>` or
    `ci_run:<id>`): volume, error rate (two-proportion z-test), latency mean and percentiles,
    tokens and cost (Mann-Whitney U), and every numeric or boolean score (Mann-Whitney U), each
    with its change, direction and significance at `alpha`; for a change for the worse, the
    traces of `b` that weigh most on it, each with a like trace of `a` and its trace diff."""
    return service.compare_versions(rt, scope, query)
