"""Monitors (online evaluation): evaluators applied to a sample of new traces matching a filter;
the list, the form that creates or changes one, a pass on demand, and the runs it queued."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.errors import InvalidRequest
from tracehouse.evaluations import monitors, runs
from tracehouse.evaluations.schemas import MonitorIn, MonitorPatch
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.ui.evaluator_form import problems
from tracehouse.ui.routes.evaluations import names_of
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/evaluations/monitors", include_in_schema=False)
#: The trace filters the monitor form offers (the API takes every filter of the trace list).
FILTERS = ("name", "environment", "release", "status", "user_id", "model", "tags")


def _base(project_id: str) -> str:
    return f"/ui/p/{project_id}/evaluations/monitors"


def _values(fields: dict[str, str]) -> dict[str, Any]:
    """The monitor's fields from the form (filters are `f.<name>`; blank ones left out)."""
    given = {k: fields.get(f"f.{k}", "").strip() for k in FILTERS}
    trace_filter: dict[str, Any] = {k: v for k, v in given.items() if k != "tags" and v}
    tags = [t.strip() for t in given["tags"].split(",") if t.strip()]
    if tags:
        trace_filter["tags"] = tags
    rate = fields.get("sampling_percent", "").strip() or "100"
    return {
        "evaluator_ids": [
            k.removeprefix("evaluator.") for k in fields if k.startswith("evaluator.")
        ],
        "filter": trace_filter,
        "sampling_rate": float(rate) / 100 if rate.replace(".", "", 1).isdigit() else -1,
        "enabled": fields.get("enabled") == "on",
        "delay_seconds": fields.get("delay_seconds") or 30,
    }


@router.get("", response_class=HTMLResponse)
def monitor_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    return page(
        request,
        "monitors.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        monitors=monitors.list_monitors(rt, scope)["data"],
        names=names_of(rt, scope),
        filters=FILTERS,
    )


@router.post("")
def create_monitor(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    try:
        body = MonitorIn.model_validate({"name": fields.get("name", ""), **_values(fields)})
    except ValidationError as exc:
        raise InvalidRequest(f"Monitor not created: {problems(exc)}.") from exc
    created = monitors.create(rt, who.scope(project_id), body)
    return RedirectResponse(f"{_base(project_id)}/{quote(created['id'])}", status_code=303)


@router.get("/{ref}", response_class=HTMLResponse)
def monitor_page(
    request: Request, project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    monitor = monitors.get(rt, scope, ref)
    history = runs.list_runs(rt, scope, PageParams(limit=50), monitor_id=monitor["id"])
    return page(
        request,
        "monitor.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        monitor=monitor,
        runs=history["data"],
        run_count=history["meta"]["total_count"],
        names=names_of(rt, scope),
        filters=FILTERS,
        scan=request.query_params,
    )


@router.post("/{ref}")
def change_monitor(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    try:
        body = MonitorPatch.model_validate(_values(fields))
    except ValidationError as exc:
        raise InvalidRequest(f"Monitor not changed: {problems(exc)}.") from exc
    monitors.update(rt, who.scope(project_id), ref, body)
    return RedirectResponse(f"{_base(project_id)}/{quote(ref)}", status_code=303)


@router.post("/{ref}/trigger")
def trigger_monitor(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """One pass now (without the arrival delay); the page says what it found."""
    scope = who.scope(project_id)
    scope.require_write()
    found = monitors.require(rt, scope.project_rowid, ref)
    result = monitors.scan(rt, scope.project_rowid, found["id"], manual=True)
    rt.evaluation_wakeup.set()
    query = f"considered={result['traces_considered']}&claimed={result['traces_claimed']}"
    return RedirectResponse(f"{_base(project_id)}/{quote(ref)}?{query}", status_code=303)


@router.post("/{ref}/delete")
def delete_monitor(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    monitors.delete(rt, who.scope(project_id), ref)
    return RedirectResponse(_base(project_id), status_code=303)
