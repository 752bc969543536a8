"""Checkpoints in the browser: one checkpoint with its state and files, the diff of two, and
the checkpoints, commits and CI runs shown on a trace's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tracehouse.checkpoints import service
from tracehouse.checkpoints.schemas import CheckpointQuery
from tracehouse.clock import to_us
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.runtime import Runtime
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page
from tracehouse.vcs import service as vcs

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)
SHOWN_ON_TRACE = 200


@router.get("/checkpoints/{checkpoint_id}", response_class=HTMLResponse)
def checkpoint_page(
    request: Request, project_id: str, checkpoint_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    checkpoint = service.get(rt, scope, checkpoint_id, payload=True)
    project = who.project(project_id)
    return page(
        request, "checkpoint.html", nav="traces", who=who, project=project, cp=checkpoint,
        can_edit=scope.access != "read",
    )  # fmt: skip


@router.get("/checkpoints/{first}/diff/{second}", response_class=HTMLResponse)
def diff_page(
    request: Request, project_id: str, first: str, second: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    diff = service.compare(rt, who.scope(project_id), first, second)
    project = who.project(project_id)
    return page(request, "checkpoint_diff.html", nav="traces", who=who, project=project, d=diff)


def trace_sections(rt: Runtime, scope: ProjectScope, trace: dict[str, Any]) -> dict[str, Any]:
    """What the trace page shows of the development loop: its checkpoints (each placed on the
    trace's time axis, with the previous one to diff against), commits and CI runs."""
    query = CheckpointQuery(trace_id=trace["id"])
    listed = service.list_checkpoints(rt, scope, query, PageParams(limit=SHOWN_ON_TRACE))
    checkpoints = listed["data"]
    for previous, checkpoint in zip([None, *checkpoints], checkpoints, strict=False):
        checkpoint["previous_id"] = previous["id"] if previous else None
        checkpoint["at"] = _position(trace, checkpoint["created_at"])
    return {"checkpoints": checkpoints, **vcs.for_trace(rt, scope, trace)}


def _position(trace: dict[str, Any], when: str) -> float:
    """Where `when` falls on the trace's time axis, in percent (clamped to its ends)."""
    start, end, at = to_us(trace["start_time"]), to_us(trace["end_time"]), to_us(when)
    if start is None or end is None or at is None or end <= start:
        return 100.0
    return round(min(100.0, max(0.0, (at - start) * 100 / (end - start))), 2)
