"""Evaluators: the list (with the built-in templates and the provider credentials judges call),
the form that creates or changes one (variables mapped to trace fields, previewed on a real
trace), and running one now on a trace, observation, session or dataset run."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.annotations import service as queues
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.evaluations import runs
from tracehouse.evaluators import service
from tracehouse.evaluators.fields import ROOTS
from tracehouse.evaluators.judge import JUDGE_ENVIRONMENT
from tracehouse.evaluators.rules import RULES
from tracehouse.evaluators.targets import KINDS as TARGET_KINDS
from tracehouse.evaluators.templates import BUILTINS
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.providers import service as providers
from tracehouse.providers.schemas import CredentialIn
from tracehouse.traces import service as traces
from tracehouse.traces.filters import TraceListParams
from tracehouse.ui import evaluator_form as form
from tracehouse.ui.routes.evaluations import names_of
from tracehouse.ui.session import FormDep, Viewer, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/evaluators", include_in_schema=False)


def _base(project_id: str) -> str:
    return f"/ui/p/{project_id}/evaluators"


@router.get("", response_class=HTMLResponse)
def evaluator_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    found = service.list_evaluators(rt, scope, PageParams(limit=200))
    return page(
        request,
        "evaluators.html",
        nav="evaluators",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        evaluators=found["data"],
        templates=BUILTINS,
        providers=providers.list_credentials(rt, scope, PageParams(limit=200))["data"],
        kinds=form.KINDS,
    )


@router.post("/providers")
def add_provider(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """A provider credential for judges (the key is stored encrypted, shown only as a hint)."""
    body = {k: v.strip() for k, v in fields.items() if k != "csrf_token" and v.strip()}
    try:
        checked = CredentialIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(f"Provider not added: {form.problems(exc)}.") from exc
    providers.create(rt, who.scope(project_id), checked)
    return RedirectResponse(_base(project_id) + "#providers", status_code=303)


def _latest_trace(rt: RuntimeDep, scope: ProjectScope) -> str | None:
    """The newest trace that is not a judge's own, to preview a judge on."""
    body = traces.list_traces(rt, scope, TraceListParams(), PageParams(limit=20))
    return next((t["id"] for t in body["data"] if t["environment"] != JUDGE_ENVIRONMENT), None)


def _preview(
    rt: RuntimeDep, scope: ProjectScope, fields: dict[str, str]
) -> tuple[dict[str, Any] | None, str | None]:
    """The judge's prompt filled from the preview trace, or why there is none."""
    if (fields.get("kind") or "llm_judge") != "llm_judge":
        return None, None
    trace_id = fields.get("preview_trace") or _latest_trace(rt, scope)
    if not trace_id:
        return None, "No trace to preview on yet: send one, then preview."
    fields["preview_trace"] = trace_id
    try:
        return service.preview(rt, scope, form.config_of(fields), "trace", trace_id), None
    except NotFound as exc:
        return None, exc.message
    except (KeyError, ValueError) as exc:
        return None, f"Cannot preview: {exc}"


def _form_page(
    request: Request,
    rt: RuntimeDep,
    who: Viewer,
    project_id: str,
    fields: dict[str, str],
    evaluator: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    scope = who.scope(project_id)
    shown, why = _preview(rt, scope, fields)
    return page(
        request,
        "evaluator.html",
        200 if not extra.get("error") else 422,
        nav="evaluators",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        evaluator=evaluator,
        fields=fields,
        variables=form.variables(fields),
        preview=shown,
        preview_error=why,
        templates=BUILTINS,
        kinds=form.KINDS,
        rules=RULES,
        roots=ROOTS,
        target_kinds=TARGET_KINDS,
        providers=providers.list_credentials(rt, scope, PageParams(limit=200))["data"],
        queues=queues.list_queues(rt, scope)["data"],
        **extra,
    )


@router.get("/new", response_class=HTMLResponse)
def new_evaluator(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    template = request.query_params.get("template") or ""
    kind = request.query_params.get("kind") or "llm_judge"
    if template in BUILTINS:
        fields = form.template_fields(template)
    else:
        fields = {"kind": kind, "template": form.CUSTOM, "rule": "contains"}
    return _form_page(request, rt, who, project_id, fields)


@router.post("/new", response_class=HTMLResponse)
def create_evaluator(
    request: Request, project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """`action=preview` shows the form again with its preview; `action=save` creates."""
    if fields.get("action") != "save":
        return _form_page(request, rt, who, project_id, fields)
    try:
        created = service.create(rt, who.scope(project_id), form.checked_new(fields))
    except ValidationError as exc:
        return _form_page(request, rt, who, project_id, fields, error=form.problems(exc))
    except Conflict as exc:  # the name is taken: keep what was typed
        return _form_page(request, rt, who, project_id, fields, error=exc.message)
    return RedirectResponse(f"{_base(project_id)}/{quote(created['id'])}", status_code=303)


@router.get("/{ref}", response_class=HTMLResponse)
def evaluator_page(
    request: Request, project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    evaluator = service.render(service.require(rt, scope.project_rowid, ref))
    fields = form.fields_of(evaluator)
    fields["preview_trace"] = request.query_params.get("preview_trace", "")
    history = runs.list_runs(rt, scope, PageParams(limit=20), evaluator_id=evaluator["id"])
    return _form_page(
        request,
        rt,
        who,
        project_id,
        fields,
        evaluator,
        runs=history["data"],
        names=names_of(rt, scope),
        run_count=history["meta"]["total_count"],
    )


@router.post("/{ref}", response_class=HTMLResponse)
def change_evaluator(
    request: Request, project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    evaluator = service.render(service.require(rt, scope.project_rowid, ref))
    fields["name"] = evaluator["name"]
    if fields.get("action") != "save":
        return _form_page(request, rt, who, project_id, fields, evaluator)
    try:
        body = form.checked_patch(fields)
    except ValidationError as exc:
        error = form.problems(exc)
        return _form_page(request, rt, who, project_id, fields, evaluator, error=error)
    service.update(rt, scope, evaluator["id"], body)
    return RedirectResponse(f"{_base(project_id)}/{quote(evaluator['id'])}", status_code=303)


@router.post("/{ref}/delete")
def delete_evaluator(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    service.delete(rt, who.scope(project_id), ref)
    return RedirectResponse(_base(project_id), status_code=303)


@router.post("/{ref}/run")
async def run_evaluator(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Run now (a dataset run is queued): the run's page shows the verdicts."""
    kind, target_id = fields.get("target_type", ""), fields.get("target_id", "").strip()
    if kind not in TARGET_KINDS or not target_id:
        raise InvalidRequest("Choose what to evaluate and give its id.")
    run = await runs.execute_now(rt, who.scope(project_id), ref, kind, target_id)
    target = f"/ui/p/{project_id}/evaluations/runs/{quote(run['id'])}"
    return RedirectResponse(target, status_code=303)
