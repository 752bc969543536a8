"""Evaluator definitions: create, read, change, delete (runs live in `evaluations`)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import NotFound
from tracehouse.evaluators import judge, store, templates
from tracehouse.evaluators.fields import lookup
from tracehouse.evaluators.schemas import EvaluatorIn, EvaluatorPatch
from tracehouse.evaluators.targets import resolve
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


def preview(
    rt: Runtime, scope: ProjectScope, config: dict[str, Any], kind: str, target_id: str
) -> dict[str, Any]:
    """What a judge config would ask about one target: each variable with the field it reads
    and the value found there, and the messages sent (no call is made)."""
    with rt.db.reader.connect() as conn:
        found = resolve(conn, scope.project_rowid, kind, target_id)
    if not found:
        raise NotFound(f"Nothing to evaluate in {kind} {target_id!r}.")
    prompt, mapping, _ = judge.prompt_and_output(config)
    variables = [
        {"name": name, "path": mapping.get(name, name), "value": lookup(found[0].fields, path)}
        for name in templates.placeholders(prompt)
        for path in [mapping.get(name, name)]
    ]
    messages, _ = judge.messages_for(config, found[0])
    return {"variables": variables, "messages": messages}
