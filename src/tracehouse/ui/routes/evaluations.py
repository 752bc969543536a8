"""Evaluations: the run history with each run's verdicts, and evaluations (named sets of
evaluators) run on traces, sessions or dataset runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.annotations import service as queues
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.evaluations import runs, service
from tracehouse.evaluations.schemas import EvaluationIn, EvaluationRunIn
from tracehouse.evaluators import service as evaluators
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.ui.evaluator_form import problems
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/evaluations", include_in_schema=False)
STATUSES = ("queued", "running", "succeeded", "partial", "failed")
#: What a run form may name, and the field of `EvaluationRunIn` that carries it.
RUN_TARGETS = {"trace": "trace_ids", "session": "session_ids", "dataset_run": "dataset_run_ids"}


def names_of(rt: RuntimeDep, scope: ProjectScope) -> dict[str, str]:
    """{evaluator id: name} of the project, to show runs with names."""
    found = evaluators.list_evaluators(rt, scope, PageParams(limit=200))["data"]
    return {e["id"]: e["name"] for e in found}


@router.get("", response_class=HTMLResponse)
def evaluation_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    status = request.query_params.get("status")
    cursor = request.query_params.get("cursor") or None
    history = runs.list_runs(
        rt,
        scope,
        PageParams(limit=50, cursor=cursor),
        status=status if status in STATUSES else None,
    )
    return page(
        request,
        "evaluations.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        evaluations=service.list_evaluations(rt, scope, PageParams(limit=200))["data"],
        runs=history["data"],
        meta=history["meta"],
        status=status,
        statuses=STATUSES,
        names=names_of(rt, scope),
    )


@router.post("")
def create_evaluation(
    project_id: str, request: Request, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    criteria = [k.removeprefix("criterion.") for k in fields if k.startswith("criterion.")]
    body = {
        "name": fields.get("name", "").strip(),
        "description": fields.get("description") or None,
        "criteria": criteria,
    }
    try:
        checked = EvaluationIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(f"Evaluation not created: {problems(exc)}.") from exc
    created = service.create(rt, who.scope(project_id), checked)
    target = f"/ui/p/{project_id}/evaluations/{quote(created['id'])}"
    return RedirectResponse(target, status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, project_id: str, run_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """One run: its status (the page refreshes itself while the run waits or works) and each
    result: the target, the verdict, the judge's reasoning and own trace."""
    scope = who.scope(project_id)
    run = runs.get_run(rt, scope, run_id)
    return page(
        request,
        "evaluation_run.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        run=run,
        names=names_of(rt, scope),
        waiting=run["status"] in ("queued", "running"),
    )


@router.get("/targets/{kind}/{target_id:path}", response_class=HTMLResponse)
def target_page(
    request: Request, project_id: str, kind: str, target_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Evaluate one trace or session: each evaluator and evaluation with a button that runs it
    there, and (for a trace) each annotation queue with a button that adds it."""
    if kind not in ("trace", "session"):
        raise NotFound(f"Cannot evaluate a {kind!r} from here.")
    scope = who.scope(project_id)
    return page(
        request,
        "evaluate_target.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        kind=kind,
        target_id=target_id,
        names=names_of(rt, scope),
        evaluations=service.list_evaluations(rt, scope, PageParams(limit=200))["data"],
        queues=queues.list_queues(rt, scope)["data"] if kind == "trace" else [],
    )


@router.get("/{ref}", response_class=HTMLResponse)
def evaluation_page(
    request: Request, project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    return page(
        request,
        "evaluation.html",
        nav="evaluations",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        evaluation=service.get(rt, scope, ref),
        names=names_of(rt, scope),
        targets=RUN_TARGETS,
    )


def _run_body(fields: dict[str, str]) -> EvaluationRunIn:
    kind = fields.get("target_type", "")
    ids = [i.strip() for i in fields.get("target_ids", "").replace("\n", ",").split(",")]
    if kind not in RUN_TARGETS or not any(ids):
        raise InvalidRequest("Choose what to evaluate and give at least one id.")
    return EvaluationRunIn.model_validate({RUN_TARGETS[kind]: [i for i in ids if i]})


@router.post("/{ref}/run")
def run_evaluation(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Queue the evaluation's criteria on the targets; the run's page follows it."""
    run: dict[str, Any] = service.run_evaluation(rt, who.scope(project_id), ref, _run_body(fields))
    target = f"/ui/p/{project_id}/evaluations/runs/{quote(run['id'])}"
    return RedirectResponse(target, status_code=303)


@router.post("/{ref}/delete")
def delete_evaluation(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.delete(rt, who.scope(project_id), ref)
    return RedirectResponse(f"/ui/p/{project_id}/evaluations", status_code=303)
