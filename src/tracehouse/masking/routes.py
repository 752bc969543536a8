"""`/api/v1/masking-rules`: a project's PII masking rules, their counts, and a preview."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from tracehouse.clock import iso
from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.schemas import RequestModel
from tracehouse.masking import detectors, service, store

router = APIRouter(prefix="/api/v1/masking-rules", tags=["masking"])
_ERRORS = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)
Action = Literal["redact", "hash", "drop_key"]


class MaskingRuleIn(RequestModel):
    """A built-in detector (`email`, `phone`, `card`, `iban`, `ip`, `api_key`, `jwt`,
    `bearer`) or a `custom` RE2 pattern, and what to do with what it finds."""

    detector: str = Field(min_length=1, max_length=40)
    name: str | None = Field(
        None, max_length=100, description="Shown in replacements; default: the detector's name."
    )
    pattern: str | None = Field(
        None,
        max_length=500,
        description="custom only: RE2 (linear time; no backreferences nor lookarounds: 422).",
    )
    case_sensitive: bool = True
    target: Literal["values", "keys"] = Field(
        "values", description="custom only: match inside text values, or dict key names."
    )
    action: Action = "redact"
    enabled: bool = True


class MaskingRulePatch(RequestModel):
    name: str | None = Field(None, max_length=100)
    pattern: str | None = Field(None, max_length=500)
    case_sensitive: bool | None = None
    action: Action | None = None
    enabled: bool | None = None


class PreviewIn(RequestModel):
    text: str = Field(max_length=100_000)
    rule: MaskingRuleIn | None = Field(None, description="An unsaved rule to try as well.")


def _render(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "detector": row["detector"],
        "pattern": row["pattern"],
        "case_sensitive": row["case_sensitive"],
        "target": row["target"],
        "action": row["action"],
        "enabled": row["enabled"],
        "masked_count": row["masked_count"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


@router.get("", responses=_ERRORS, summary="List masking rules and the built-in detectors")
def list_rules(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows = store.list_rules(conn, scope.project_rowid)
    return {
        "data": [_render(row) for row in rows],
        "detectors": [{"name": d.name, "description": d.description} for d in detectors.BUILT_IN],
    }


@router.post("", status_code=201, responses=_ERRORS, summary="Add a masking rule")
def create_rule(body: MaskingRuleIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        row = service.create_rule(conn, scope.project_rowid, body.model_dump())
    rt.masking.invalidate(scope.project_rowid)
    return _render(row)


@router.post("/preview", responses=_ERRORS, summary="Mask a sample text with the rules")
def preview(body: PreviewIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    extra = body.rule.model_dump() if body.rule else None
    with rt.db.reader.connect() as conn:
        masked, counts = service.preview(conn, scope.project_rowid, body.text, extra)
    return {"text": masked, "counts": counts}


@router.get("/{rule_id}", responses=_ERRORS, summary="Get a masking rule")
def get_rule(rule_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return _render(service.get_rule(conn, scope.project_rowid, rule_id))


@router.patch("/{rule_id}", responses=_ERRORS, summary="Change a masking rule")
def update_rule(
    rule_id: str, body: MaskingRulePatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    scope.require_write()
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    with rt.db.writer.begin() as conn:
        row = service.update_rule(conn, scope.project_rowid, rule_id, changes)
    rt.masking.invalidate(scope.project_rowid)
    return _render(row)


@router.delete("/{rule_id}", status_code=204, responses=_ERRORS, summary="Delete a masking rule")
def delete_rule(rule_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        service.delete_rule(conn, scope.project_rowid, rule_id)
    rt.masking.invalidate(scope.project_rowid)
    return Response(status_code=204)
