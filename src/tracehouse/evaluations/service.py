"""Evaluations with criteria (a named set of evaluators) and the runs that make their history;
trace-runs, session-runs and dataset-runs queue work for the worker (202)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import InvalidRequest
from tracehouse.evaluations import runs, store
from tracehouse.evaluations.schemas import EvaluationIn, EvaluationRunIn
from tracehouse.evaluators import service as evaluators
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime


def render(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "criteria": jsontext.loads(row["criteria"]),
        "created_at": iso(row["created_at"]),
    }


RESOURCE = Resource("evaluation", store.EVALUATIONS, render)


def require(rt: Runtime, project_rowid: int, ref: str) -> Any:
    return RESOURCE.require(rt, project_rowid, ref)


def create(rt: Runtime, scope: ProjectScope, body: EvaluationIn) -> dict[str, Any]:
    scope.require_write()
    found = evaluators.require_all(rt, scope.project_rowid, body.criteria)
    now = now_us()
    return RESOURCE.create(
        rt,
        {
            "id": new_id(),
            "project_rowid": scope.project_rowid,
            "name": body.name,
            "description": body.description,
            "criteria": jsontext.dumps([e["id"] for e in found]),
            "created_at": now,
            "updated_at": now,
        },
    )


def get(rt: Runtime, scope: ProjectScope, ref: str, limit: int = 50) -> dict[str, Any]:
    """The evaluation with its run history (newest first)."""
    row = require(rt, scope.project_rowid, ref)
    history = runs.list_runs(rt, scope, PageParams(limit=limit), evaluation_id=row["id"])
    return {**render(row), "runs": history["data"], "run_count": history["meta"]["total_count"]}


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, require(rt, scope.project_rowid, ref))


def list_evaluations(rt: Runtime, scope: ProjectScope, page: PageParams) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid, page)


def queue_run(
    rt: Runtime,
    scope: ProjectScope,
    target_type: str,
    target_ids: list[str],
    evaluator_ids: list[str],
    evaluation_id: str | None,
) -> dict[str, Any]:
    """Queue a run of evaluators (or an evaluation's criteria) and wake the worker."""
    scope.require_write()
    if evaluation_id is not None:
        evaluation = require(rt, scope.project_rowid, evaluation_id)
        evaluation_id = evaluation["id"]
        evaluator_ids = evaluator_ids or jsontext.loads(evaluation["criteria"])
    if not evaluator_ids:
        raise InvalidRequest("Give evaluator_ids or an evaluation_id.", {"field": "evaluator_ids"})
    row = runs.create_run(
        rt, scope, target_type, target_ids, evaluator_ids, evaluation_id=evaluation_id
    )
    rt.evaluation_wakeup.set()
    return runs.render(row)


def run_evaluation(
    rt: Runtime, scope: ProjectScope, ref: str, body: EvaluationRunIn
) -> dict[str, Any]:
    """`POST /evaluations/{id}/run`: its criteria on traces, sessions or dataset runs."""
    kind, ids = body.targets()
    return queue_run(rt, scope, kind, ids, [], ref)
