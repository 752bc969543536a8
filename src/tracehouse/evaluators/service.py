"""Evaluator definitions: create, read, change, delete (runs live in `evaluations`)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.evaluators import store
from tracehouse.evaluators.schemas import EvaluatorIn, EvaluatorPatch
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime


def render(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "description": row["description"],
        "config": jsontext.loads(row["config"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


RESOURCE = Resource("evaluator", store.EVALUATORS, render)


def require(rt: Runtime, project_rowid: int, ref: str) -> Any:
    return RESOURCE.require(rt, project_rowid, ref)


def require_all(rt: Runtime, project_rowid: int, refs: list[str]) -> list[Any]:
    return [require(rt, project_rowid, ref) for ref in dict.fromkeys(refs)]


def create(rt: Runtime, scope: ProjectScope, body: EvaluatorIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    return RESOURCE.create(
        rt,
        {
            "id": new_id(),
            "project_rowid": scope.project_rowid,
            "name": body.name,
            "kind": body.config.kind,
            "description": body.description,
            "config": jsontext.dumps(body.config.model_dump()),
            "created_at": now,
            "updated_at": now,
        },
    )


def update(rt: Runtime, scope: ProjectScope, ref: str, body: EvaluatorPatch) -> dict[str, Any]:
    scope.require_write()
    row = require(rt, scope.project_rowid, ref)
    values: dict[str, Any] = {"updated_at": now_us()}
    if "description" in body.model_fields_set:
        values["description"] = body.description
    if body.config is not None:
        values["kind"] = body.config.kind
        values["config"] = jsontext.dumps(body.config.model_dump())
    return RESOURCE.update(rt, row, values)


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, require(rt, scope.project_rowid, ref))


def list_evaluators(rt: Runtime, scope: ProjectScope, page: PageParams) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid, page)
