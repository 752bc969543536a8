"""Evaluator definitions: create, read, change, delete (runs live in `evaluations`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import Conflict, NotFound
from tracehouse.evaluators import store
from tracehouse.evaluators.schemas import EvaluatorIn, EvaluatorPatch
from tracehouse.http.auth import ProjectScope
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


def require(rt: Runtime, project_rowid: int, ref: str) -> Any:
    with rt.db.reader.connect() as conn:
        row = store.find(conn, project_rowid, ref)
    if row is None:
        raise NotFound(f"No evaluator {ref!r}.")
    return row


def require_all(rt: Runtime, project_rowid: int, refs: list[str]) -> list[Any]:
    return [require(rt, project_rowid, ref) for ref in dict.fromkeys(refs)]


def create(rt: Runtime, scope: ProjectScope, body: EvaluatorIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    values: dict[str, Any] = {
        "id": new_id(),
        "project_rowid": scope.project_rowid,
        "name": body.name,
        "kind": body.config.kind,
        "description": body.description,
        "config": jsontext.dumps(body.config.model_dump()),
        "created_at": now,
        "updated_at": now,
    }
    try:
        with rt.db.writer.begin() as conn:
            store.insert_evaluator(conn, values)
    except IntegrityError as exc:
        raise Conflict(f"An evaluator named {body.name!r} exists.") from exc
    return render(require(rt, scope.project_rowid, values["id"]))


def update(rt: Runtime, scope: ProjectScope, ref: str, body: EvaluatorPatch) -> dict[str, Any]:
    scope.require_write()
    row = require(rt, scope.project_rowid, ref)
    values: dict[str, Any] = {"updated_at": now_us()}
    if "description" in body.model_fields_set:
        values["description"] = body.description
    if body.config is not None:
        values["kind"] = body.config.kind
        values["config"] = jsontext.dumps(body.config.model_dump())
    with rt.db.writer.begin() as conn:
        store.update_evaluator(conn, row["evaluator_rowid"], values)
    return render(require(rt, scope.project_rowid, row["id"]))


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    row = require(rt, scope.project_rowid, ref)
    with rt.db.writer.begin() as conn:
        store.delete_evaluator(conn, row["evaluator_rowid"])


def list_evaluators(rt: Runtime, scope: ProjectScope, limit: int, offset: int) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_evaluators(conn, scope.project_rowid, limit, offset)
    more = offset + len(rows) < total
    return {
        "data": [render(r) for r in rows],
        "meta": {"total_count": total, "has_more": more, "next_cursor": None},
    }
