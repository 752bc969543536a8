"""Forks and diffs in the browser: "Compare with…" from a trace opening the side-by-side diff
page, "Fork from here" on an observation, the project's forks and one fork."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.forks import service
from tracehouse.forks.schemas import ForkIn, ForkListParams
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.traces import service as traces
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

# Registered before the traces pages: `/traces/{id}` would otherwise take these paths.
router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


def _trace_url(project_id: str, trace_id: str) -> str:
    return f"/ui/p/{project_id}/traces/{quote(trace_id, safe='')}"


@router.get("/traces/{a:path}/compare")
def compare(request: Request, project_id: str, a: str, who: ViewerDep) -> Response:
    """The "Compare with…" form's target: on to the diff page with the other trace's id."""
    who.scope(project_id)
    b = request.query_params.get("with", "").strip()
    if not b:
        return RedirectResponse(_trace_url(project_id, a), 303)
    return RedirectResponse(f"{_trace_url(project_id, a)}/diff/{quote(b, safe='')}", 303)


@router.get("/traces/{a:path}/diff/{b:path}", response_class=HTMLResponse)
def diff_page(
    request: Request, project_id: str, a: str, b: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    body = traces.diff_traces(rt, who.scope(project_id), a, b)
    return _diff(request, project_id, who, body, title="Compare traces")


def _diff(
    request: Request, project_id: str, who: ViewerDep, body: dict[str, object], title: str,
    fork: dict[str, object] | None = None,
) -> Response:  # fmt: skip
    return page(
        request, "trace_diff.html", nav="traces", who=who, project=who.project(project_id),
        d=body, title=title, fork=fork,
    )  # fmt: skip


@router.post("/forks")
def create_fork(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """ "Fork from here": a fork of the trace at the observation, no modifications yet."""
    body = ForkIn(
        trace_id=fields.get("trace_id"), span_id=fields.get("span_id"), name=fields.get("name")
    )
    fork = service.create(rt, who.scope(project_id), body)
    return RedirectResponse(f"/ui/p/{project_id}/forks/{fork['id']}", 303)


@router.get("/forks", response_class=HTMLResponse)
def fork_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    trace_id = request.query_params.get("trace_id") or None
    params = ForkListParams(trace_id=trace_id)
    body = service.list_forks(rt, who.scope(project_id), params, PageParams(limit=200))
    return page(
        request, "forks.html", nav="forks", who=who, project=who.project(project_id),
        forks=body["data"], total=body["meta"]["total_count"], trace_id=trace_id,
    )  # fmt: skip


@router.get("/forks/{fork_id}", response_class=HTMLResponse)
def fork_page(
    request: Request, project_id: str, fork_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    fork = service.get(rt, who.scope(project_id), fork_id)
    return page(
        request, "fork.html", nav="forks", who=who, project=who.project(project_id), fork=fork,
    )  # fmt: skip


@router.get("/forks/{fork_id}/diff", response_class=HTMLResponse)
def fork_diff(
    request: Request, project_id: str, fork_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    body = service.fork_diff(rt, scope, fork_id)
    return _diff(request, project_id, who, body, "Fork diff", service.get(rt, scope, fork_id))


@router.post("/forks/{fork_id}/delete")
def delete_fork(
    project_id: str, fork_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.delete(rt, who.scope(project_id), fork_id)
    return RedirectResponse(f"/ui/p/{project_id}/forks", 303)
