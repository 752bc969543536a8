"""Forks and diffs in the browser: "Compare with…" from a trace opening the side-by-side diff
page, "Fork from here" on an observation, the project's forks, one fork with its replay form
and its replays."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.errors import NotFound, TracehouseError
from tracehouse.forks import replays, service
from tracehouse.forks.plan import preview
from tracehouse.forks.schemas import ForkIn, ForkListParams
from tracehouse.http.auth import RuntimeDep, ai_per_minute, count_call
from tracehouse.http.pagination import PageParams
from tracehouse.providers import service as providers
from tracehouse.traces import service as traces
from tracehouse.ui.replay_form import replay_in
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
    return _fork_page(request, project_id, fork_id, who, rt)


def _fork_page(
    request: Request, project_id: str, fork_id: str, who: ViewerDep, rt: RuntimeDep,
    fields: dict[str, str] | None = None, error: str | None = None,
) -> Response:  # fmt: skip
    """The fork, its replays (newest first) and, for editors, the replay form: filled from the
    fork point's recorded call (or `fields`, the form sent back with its `error`)."""
    scope = who.scope(project_id)
    fork = service.get(rt, scope, fork_id)
    listed = replays.list_replays(rt, scope, fork_id, PageParams(limit=20))["data"]
    source = _source(rt, scope, fork)
    plan = preview(source, fork["span_id"], fork["modifications"]) if source else None
    credentials = providers.list_credentials(rt, scope, PageParams(limit=100))["data"]
    return page(
        request, "fork.html", 400 if error else 200, nav="forks", who=who,
        project=who.project(project_id), fork=fork, replays=listed, plan=plan,
        credentials=credentials, can_edit=scope.access == "write", fields=fields or {},
        error=error, running=any(r["state"] in ("queued", "running") for r in listed),
    )  # fmt: skip


def _source(rt: RuntimeDep, scope: Any, fork: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return traces.get_trace(rt, scope, fork["trace_id"])
    except NotFound:  # the source trace was deleted: the fork page still shows
        return None


@router.post("/forks/{fork_id}/replay", response_class=HTMLResponse)
async def replay_fork(
    request: Request, project_id: str, fork_id: str, fields: FormDep, who: ViewerDep,
    rt: RuntimeDep,
) -> Response:  # fmt: skip
    """The replay form: start a server replay and come back to the fork page to follow it."""
    scope = who.scope(project_id)
    try:
        count_call(rt, request, scope, "fork-replay", ai_per_minute)
        await replays.start(rt, scope, fork_id, replay_in(fields))
    except TracehouseError as exc:
        if exc.status in (401, 403, 429):
            raise
        return _fork_page(request, project_id, fork_id, who, rt, fields, exc.message)
    return RedirectResponse(f"/ui/p/{project_id}/forks/{fork_id}#replays", 303)


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
