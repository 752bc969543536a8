"""`/api/v1/git-links` (link a commit to traces and sessions) and `/api/v1/ci-runs` (create,
list, read, update a CI run and the traces it produced)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.vcs import checks, service
from tracehouse.vcs.schemas import (
    CheckIn,
    CiRunIn,
    CiRunQuery,
    CiRunUpdate,
    GitLinkIn,
    GitLinkQuery,
)

git_router = APIRouter(prefix="/api/v1/git-links", tags=["git links"])
ci_router = APIRouter(prefix="/api/v1/ci-runs", tags=["CI runs"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited
)


@git_router.post("", status_code=201, responses=_WRITE, summary="Link commit to trace")
def create_git_link(body: GitLinkIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Tie a commit (with its dirty flag and a summary of uncommitted changes) to traces and
    sessions; traces then filter by `repository_url`, `branch` and `commit_sha`. Every trace
    must exist in the project (`404` otherwise, nothing written); sessions may come later."""
    return service.create_git_link(rt, scope, body)


@git_router.get("", responses=_READ, summary="List git links")
def list_git_links(
    query: Annotated[GitLinkQuery, Query()], page: PageQuery, scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:  # fmt: skip
    """Oldest first; `commit_sha` matches a prefix."""
    return service.list_git_links(rt, scope, query, page)


@git_router.get("/{link_id}", responses=_READ, summary="Get git link")
def get_git_link(link_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get_git_link(rt, scope, link_id)


@ci_router.post("", status_code=201, responses=_WRITE, summary="Create CI run")
def create_ci_run(body: CiRunIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Record a CI run (status `running` unless given) and the traces it produced so far."""
    return service.create_ci_run(rt, scope, body)


@ci_router.get("", responses=_READ, summary="List CI runs")
def list_ci_runs(
    query: Annotated[CiRunQuery, Query()], page: PageQuery, scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:  # fmt: skip
    """Newest first."""
    return service.list_ci_runs(rt, scope, query, page)


@ci_router.get("/{run_id}", responses=_READ, summary="Get CI run")
def get_ci_run(run_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The run and the ids of its traces."""
    return service.get_ci_run(rt, scope, run_id)


@ci_router.patch("/{run_id}", responses=_WRITE, summary="Update CI run")
def update_ci_run(
    run_id: str, body: CiRunUpdate, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Set the status (a finished one sets `ended_at` unless given) and link more traces."""
    return service.update_ci_run(rt, scope, run_id, body)


@ci_router.post("/{run_id}/check", responses=_WRITE, summary="Check CI run gates")
def check_ci_run(
    run_id: str, body: CheckIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Evaluate the gates over the run's traces (linked ones, and those whose metadata names
    the run as `tracehouse.ci_run_id`, which this links): each gate absolute or against the
    baseline run (`baseline_run_id`, else the last passed run on `default_branch` of the same
    pipeline). The verdict lists every gate, the dataset items that regressed and the
    experiments of the run; it is kept on the run (and with `finish`, the default, sets its
    status to passed or failed). A gate on a score the project never recorded is `400`,
    nothing written."""
    return checks.check(rt, scope, run_id, body)
