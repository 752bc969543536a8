"""Settings of a project: API keys (secret shown once, revoke), provider credentials (their own
module), retention, model prices, members, and the organization's projects (create, rename and
describe, delete once the name is typed). PII masking rules have their own module."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.billing import service as billing
from tracehouse.errors import Forbidden, InvalidRequest
from tracehouse.http.auth import Manager, Principal, RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.keys import service as keys
from tracehouse.masking import store as masking_store
from tracehouse.masking.detectors import BUILT_IN
from tracehouse.pricing import service as pricing
from tracehouse.projects import roles
from tracehouse.projects import service as projects
from tracehouse.projects import store as project_store
from tracehouse.providers import service as providers
from tracehouse.ui import members
from tracehouse.ui.routes.billing import view as billing_view
from tracehouse.ui.session import FormDep, Viewer, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/settings", include_in_schema=False)


def _manager(who: Viewer) -> Manager:
    return Manager(Principal(user=who.user))


def _can_manage(rt: RuntimeDep, who: Viewer, org_rowid: int) -> bool:
    return _manager(who).can_manage(rt, org_rowid)


def _require_admin(rt: RuntimeDep, who: Viewer, org_rowid: int) -> None:
    if not _can_manage(rt, who, org_rowid):
        raise Forbidden("Only owners and admins of the organization change its settings.")


def render_settings(
    request: Request, rt: RuntimeDep, who: Viewer, project_id: str, **extra: Any
) -> Response:
    scope = who.scope(project_id)
    can_manage = _can_manage(rt, who, scope.org_rowid)
    with rt.db.reader.connect() as conn:
        key_rows = keys.list_keys(
            conn, org_rowid=scope.org_rowid, project_rowid=scope.project_rowid
        )
        prices = pricing.list_prices(conn, scope.project_rowid)
        masking_rules = masking_store.list_rules(conn, scope.project_rowid)
        people = members.list_members(conn, scope.org_rowid)
        own = project_store.project_people(conn, scope.project_rowid, scope.org_rowid)
    return page(
        request,
        "settings.html",
        nav="settings",
        who=who,
        project=who.project(project_id),
        keys=[k for k in key_rows if k["project_rowid"] == scope.project_rowid],
        prices=prices,
        masking_rules=masking_rules,
        detectors=BUILT_IN,
        members=people,
        roles=members.ROLES,
        project_roles={p["email"]: p["project_role"] for p in own},
        can_assign=can_manage or who.role(who.project(project_id)) == "admin",
        providers=providers.list_credentials(rt, scope, PageParams(limit=200))["data"],
        org_projects=[p for p in who.projects if p["org_rowid"] == scope.org_rowid],
        can_edit=scope.access == "write",
        can_manage=can_manage,
        billing=billing_view(rt, scope, can_manage),
        base_url=str(request.base_url).rstrip("/"),
        **{"masking_preview": None, **extra},
    )


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    return render_settings(request, rt, who, project_id)


@router.post("/keys", response_class=HTMLResponse)
def create_key(
    request: Request, project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    with rt.db.writer.begin() as conn:
        row, secret = keys.create_key(
            conn,
            org_rowid=scope.org_rowid,
            project_rowid=scope.project_rowid,
            environment=fields.get("environment") or "live",
            access=fields.get("access") or "write",
            name=fields.get("name") or None,
        )
    # The secret is rendered in this response only, never stored in clear or shown again.
    return render_settings(request, rt, who, project_id, new_key=row, new_secret=secret)


@router.post("/keys/{key_id}/revoke")
def revoke_key(
    project_id: str, key_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    with rt.db.writer.begin() as conn:
        key = keys.get_key(conn, key_id, scope.org_rowid)
        if key["project_rowid"] != scope.project_rowid:
            raise InvalidRequest("That key belongs to another project.")
        keys.revoke_key(conn, key_id, scope.org_rowid)
    return RedirectResponse(f"/ui/p/{project_id}/settings#keys", status_code=303)


@router.post("/retention")
def set_retention(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    raw = fields.get("retention_days", "").strip()
    try:
        days = int(raw) if raw else None
    except ValueError as exc:
        raise InvalidRequest("retention_days must be a whole number of days.") from exc
    with rt.db.writer.begin() as conn:
        project = projects.get_project(conn, project_id)
        projects.update_project(conn, project, {"retention_days": days})
    return RedirectResponse(f"/ui/p/{project_id}/settings#retention", status_code=303)


@router.post("/prices")
def add_price(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    try:
        values = {
            "model_name": fields["model_name"].strip(),
            "input_price": float(fields.get("input_price") or 0) / 1_000_000,
            "output_price": float(fields.get("output_price") or 0) / 1_000_000,
        }
    except (KeyError, ValueError) as exc:
        raise InvalidRequest("A model name and prices per million tokens are needed.") from exc
    with rt.db.writer.begin() as conn:
        pricing.create_price(conn, scope.project_rowid, values)
    return RedirectResponse(f"/ui/p/{project_id}/settings#prices", status_code=303)


@router.post("/members")
def add_member(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    with rt.db.writer.begin() as conn:
        members.add_member(
            conn,
            scope.org_rowid,
            fields.get("email", ""),
            fields.get("password", ""),
            fields.get("role") or "member",
        )
    return RedirectResponse(f"/ui/p/{project_id}/settings#members", status_code=303)


@router.post("/project")
def edit_project(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Rename the project and change its description."""
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    name = fields.get("name", "").strip()
    if not name or len(name) > 200:
        raise InvalidRequest("A project needs a name of 1 to 200 characters.")
    changes = {"name": name, "description": fields.get("description", "").strip() or None}
    with rt.db.writer.begin() as conn:
        projects.update_project(conn, projects.get_project(conn, project_id), changes)
    return RedirectResponse(f"/ui/p/{project_id}/settings#project", status_code=303)


@router.post("/projects")
def create_project(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """A new project in this one's organization; its settings page is where its keys are made."""
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    name = fields.get("name", "").strip()
    if not name or len(name) > 200:
        raise InvalidRequest("A project needs a name of 1 to 200 characters.")
    with rt.db.writer.begin() as conn:
        plan = billing.plan_of_new_project(conn, rt, _manager(who), scope.org_rowid, None)
        created = projects.create_project(
            conn,
            scope.org_rowid,
            name,
            plan=plan,
            description=fields.get("description", "").strip() or None,
        )
    return RedirectResponse(f"/ui/p/{created['id']}/settings#keys", status_code=303)


@router.post("/delete")
def delete_project(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Delete this project with all its data, once its name is typed; back to the start page."""
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    with rt.db.writer.begin() as conn:
        project = projects.get_project(conn, project_id)
        projects.delete_project(conn, project, fields.get("confirm", ""))
    return RedirectResponse("/ui/", status_code=303)


@router.post("/members/project-role")
def change_project_role(
    project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """A member's own role in this project, or (`role=`) back to their organization role."""
    scope = who.scope(project_id)
    project = who.project(project_id)
    if not (_can_manage(rt, who, scope.org_rowid) or who.role(project) == "admin"):
        raise Forbidden("Only admins of the project or the organization change project roles.")
    with rt.db.writer.begin() as conn:
        roles.set_role(conn, project, fields.get("email", ""), fields.get("role") or None)
    return RedirectResponse(f"/ui/p/{project_id}/settings#members", status_code=303)


@router.post("/members/role")
def change_role(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Another role for a member, or (`role=remove`) out of the organization."""
    scope = who.scope(project_id)
    _require_admin(rt, who, scope.org_rowid)
    role = fields.get("role", "")
    with rt.db.writer.begin() as conn:
        members.change_member(
            conn, scope.org_rowid, fields.get("email", ""), None if role == "remove" else role
        )
    return RedirectResponse(f"/ui/p/{project_id}/settings#members", status_code=303)
