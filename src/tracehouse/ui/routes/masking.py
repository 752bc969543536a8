"""The PII masking section of a project's settings: enable built-in detectors, add custom
patterns, switch or delete rules, see their counts, and preview a sample text."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.errors import Forbidden
from tracehouse.http.auth import Manager, Principal, RuntimeDep
from tracehouse.masking import service
from tracehouse.ui.routes.settings import render_settings
from tracehouse.ui.session import FormDep, Viewer, ViewerDep

router = APIRouter(prefix="/ui/p/{project_id}/settings/masking", include_in_schema=False)


def _admin_scope(rt: RuntimeDep, who: Viewer, project_id: str) -> int:
    scope = who.scope(project_id)
    if not Manager(Principal(user=who.user)).can_manage(rt, scope.org_rowid):
        raise Forbidden("Only owners and admins of the organization change masking rules.")
    return scope.project_rowid


def _back(rt: RuntimeDep, project_id: str, project_rowid: int) -> Response:
    rt.masking.invalidate(project_rowid)
    return RedirectResponse(f"/ui/p/{project_id}/settings#masking", status_code=303)


def _fields(form: dict[str, str]) -> dict[str, object]:
    detector = form.get("detector") or "custom"
    return {
        "detector": detector,
        "name": form.get("name") or None,
        "pattern": form.get("pattern") or None,
        "case_sensitive": form.get("ignore_case") != "on",
        "target": form.get("target") or "values",
        "action": form.get("action") or "redact",
        "enabled": True,
    }


@router.post("")
def add_rule(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    project_rowid = _admin_scope(rt, who, project_id)
    with rt.db.writer.begin() as conn:
        service.create_rule(conn, project_rowid, _fields(fields))
    return _back(rt, project_id, project_rowid)


@router.post("/{rule_id}/toggle")
def toggle_rule(
    project_id: str, rule_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    project_rowid = _admin_scope(rt, who, project_id)
    with rt.db.writer.begin() as conn:
        rule = service.get_rule(conn, project_rowid, rule_id)
        service.update_rule(conn, project_rowid, rule_id, {"enabled": not rule["enabled"]})
    return _back(rt, project_id, project_rowid)


@router.post("/{rule_id}/delete")
def delete_rule(
    project_id: str, rule_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    project_rowid = _admin_scope(rt, who, project_id)
    with rt.db.writer.begin() as conn:
        service.delete_rule(conn, project_rowid, rule_id)
    return _back(rt, project_id, project_rowid)


@router.post("/preview", response_class=HTMLResponse)
def preview(
    request: Request, project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """The settings page again, with the sample as the enabled rules would store it."""
    scope = who.scope(project_id)
    sample = fields.get("text", "")[:100_000]
    with rt.db.reader.connect() as conn:
        masked, counts = service.preview(conn, scope.project_rowid, sample, None)
    result = {"text": sample, "masked": masked, "counts": counts}
    return render_settings(request, rt, who, project_id, masking_preview=result)
