"""The development loop in the browser: versions (commits, branches, releases with their
figures, a trend over them, and the comparison of two) and CI runs (the list, and one run with
its gates, regressed items and experiments)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tracehouse.errors import TracehouseError
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page
from tracehouse.vcs import service as vcs
from tracehouse.vcs.schemas import CiRunQuery
from tracehouse.versions import service
from tracehouse.versions.schemas import CompareQuery, VersionListQuery

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)
BY = ("commit", "branch", "release")


@router.get("/versions", response_class=HTMLResponse)
def versions_page(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    """The versions, newest first; the trend oldest first; `a` and `b` compared when given."""
    scope = who.scope(project_id)
    query = request.query_params
    by = query.get("by") if query.get("by") in BY else "commit"
    listed = service.list_versions(rt, scope, VersionListQuery(by=by))["data"]
    a, b = query.get("a", "").strip(), query.get("b", "").strip()
    compared, error = _compared(rt, scope, a, b)
    return page(
        request, "versions.html", nav="versions", who=who, project=who.project(project_id),
        by=by, versions=listed, trend=_trend(listed), a=a, b=b, compared=compared, error=error,
    )  # fmt: skip


def _compared(rt: Any, scope: Any, a: str, b: str) -> tuple[dict[str, Any] | None, str | None]:
    if not a or not b:
        return None, None
    try:
        return service.compare_versions(rt, scope, CompareQuery(a=a, b=b)), None
    except (TracehouseError, ValidationError) as exc:
        return None, str(exc)


def _trend(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first, each with its p50 latency and error rate as a share of the largest."""
    ordered = sorted(listed, key=lambda v: v["first_seen"])
    top = max((v["latency_p50"] or 0 for v in ordered), default=0) or 1
    return [
        {**v, "latency_share": (v["latency_p50"] or 0) / top * 100,
         "error_share": v["error_rate"] * 100}
        for v in ordered
    ]  # fmt: skip


@router.get("/ci-runs", response_class=HTMLResponse)
def ci_runs_page(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    body = vcs.list_ci_runs(rt, who.scope(project_id), CiRunQuery(), PageParams(limit=200))
    return page(
        request, "ci_runs.html", nav="versions", who=who, project=who.project(project_id),
        runs=body["data"], total=body["meta"]["total_count"],
    )  # fmt: skip


@router.get("/ci-runs/{run_id}", response_class=HTMLResponse)
def ci_run_page(
    request: Request, project_id: str, run_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    run = vcs.get_ci_run(rt, who.scope(project_id), run_id)
    return page(
        request, "ci_run.html", nav="versions", who=who, project=who.project(project_id), run=run
    )
