"""`/api/v1/evaluators`: evaluator definitions, built-in templates, and execution on one
trace, observation, session or dataset run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from tracehouse.evaluations import runs
from tracehouse.evaluators import service
from tracehouse.evaluators.schemas import EvaluatorIn, EvaluatorPatch, TargetIn
from tracehouse.evaluators.templates import BUILTINS
from tracehouse.http.auth import (
    ProjectScope,
    ProjectScopeDep,
    RuntimeDep,
    ai_per_minute,
    endpoint_limit,
)
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/evaluators", tags=["evaluators"])
ExecuteScope = Annotated[ProjectScope, Depends(endpoint_limit("evaluator-execute", ai_per_minute))]


@router.get("/templates", responses=READ_ERRORS, summary="Built-in LLM-as-judge templates")
def templates(scope: ProjectScopeDep) -> dict[str, Any]:
    data = [
        {"name": name, "prompt": t.prompt, "output_type": t.output_type, "variables": t.mapping}
        for name, t in BUILTINS.items()
    ]
    return {"data": data}


@router.post("", status_code=201, responses=WRITE_ERRORS, summary="Create an evaluator")
def create(body: EvaluatorIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.create(rt, scope, body)


@router.get("", responses=READ_ERRORS, summary="List evaluators")
def list_all(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.list_evaluators(rt, scope, page)


@router.get("/{ref}", responses=READ_ERRORS, summary="Get an evaluator (by id or name)")
def get(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.render(service.require(rt, scope.project_rowid, ref))


@router.patch("/{ref}", responses=WRITE_ERRORS, summary="Change an evaluator")
def update(
    ref: str, body: EvaluatorPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return service.update(rt, scope, ref, body)


@router.delete("/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete an evaluator")
def delete(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, ref)
    return Response(status_code=204)


@router.post(
    "/{ref}/execute",
    responses={**WRITE_ERRORS, 202: {"description": "A dataset run: queued for the worker."}},
    summary="Execute an evaluator now",
)
async def execute(
    ref: str, body: TargetIn, scope: ExecuteScope, rt: RuntimeDep, response: Response
) -> dict[str, Any]:
    """Runs during the request and returns the run with its results (scores with
    `source = eval`; for LLM judges, `judge_trace_id` is the judge's own trace). A dataset run
    is queued instead: 202 with the run (`queued`); poll `GET /evaluations/runs/{id}`.
    AI-backed: capped at `ai_rate_limit_per_minute` calls a minute per caller."""
    kind, target_id = body.kind_and_id()
    run = await runs.execute_now(rt, scope, ref, kind, target_id)
    if run["status"] == "queued":
        response.status_code = 202
    return run
