"""Management API: login, users, organizations, projects and their API keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from tracehouse.audit import service as audit
from tracehouse.billing import service as billing
from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ManagerDep, RuntimeDep, client_address, credential
from tracehouse.http.errors import error_responses
from tracehouse.keys import service as keys
from tracehouse.keys import store as keys_store
from tracehouse.projects import render, service
from tracehouse.projects import store as project_store
from tracehouse.projects.schemas import (
    KeyIn,
    LoginIn,
    OrgIn,
    OrgKeyIn,
    ProjectIn,
    ProjectPatch,
    UserIn,
)
from tracehouse.users import service as users

router = APIRouter(prefix="/api/v1", tags=["management"])
_ERRORS = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ValidationFailed, RateLimited
)
#: Seed 003: the organization a management call acts on, when the body does not name one.
OrgHeader = Annotated[
    str | None,
    Header(
        alias="X-Organization-ID",
        description="Organization to act on; default: your first (the body's org_id wins).",
    ),
]


@router.post("/auth/login", responses=_ERRORS, summary="Log in; returns a Bearer token")
async def login(body: LoginIn, request: Request, rt: RuntimeDep) -> dict[str, Any]:
    token, expires, user = await users.login(rt, body.email, body.password, client_address(request))
    from tracehouse.clock import iso

    return {
        "token": token,
        "token_type": "Bearer",
        "expires_at": iso(expires),
        "user": render.user(user),
    }


@router.post("/auth/logout", status_code=204, responses=_ERRORS, summary="End a login token")
def logout(request: Request, _: ManagerDep, rt: RuntimeDep) -> Response:
    cred = credential(request)
    if cred is not None:
        with rt.db.writer.begin() as conn:
            users.logout(conn, cred.secret)
    return Response(status_code=204)


@router.post("/users", status_code=201, responses=_ERRORS, summary="Create a user")
def create_user(
    body: UserIn, manager: ManagerDep, rt: RuntimeDep, org_header: OrgHeader = None
) -> dict[str, Any]:
    user = manager.principal.user
    if body.is_admin and not (user and user["is_admin"]):
        raise Forbidden("Only an admin can create admins.")
    org_id = body.org_id or org_header
    with rt.db.writer.begin() as conn:
        org = service.get_org(conn, org_id) if org_id else None
        if org is not None:
            manager.require_org(rt, org["org_rowid"])
        elif not (user and user["is_admin"]):
            raise InvalidRequest("Name the organization (org_id) the new user joins.")
        created = users.create_user(
            conn, body.email, body.password, name=body.name, is_admin=body.is_admin
        )
        if org is not None:
            project_store.add_member(conn, org["org_rowid"], created["user_rowid"], body.role)
            target = ("user", created["email"])
            audit.record(
                conn, "member.add", target, org_rowid=org["org_rowid"], after={"role": body.role}
            )
    return render.user(created)


@router.get("/organizations", responses=_ERRORS, summary="List organizations")
def list_orgs(manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    key, user = manager.principal.key, manager.principal.user
    with rt.db.reader.connect() as conn:
        if key is not None:
            rows = [project_store.org_by_rowid(conn, key["org_rowid"])]
        else:
            rows = project_store.orgs_of_user(
                conn, None if user["is_admin"] else user["user_rowid"]
            )
    return {"data": [render.org(r) for r in rows]}


@router.post("/organizations", status_code=201, responses=_ERRORS, summary="Create an organization")
def create_org(body: OrgIn, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    user = manager.principal.user
    if user is None:
        raise Forbidden("Organizations are created by users, not API keys.")
    with rt.db.writer.begin() as conn:
        org = service.create_org(conn, body.name, user["user_rowid"])
    return render.org(org)


@router.post(
    "/organizations/{org_id}/keys", status_code=201, responses=_ERRORS, summary="Create an org key"
)
def create_org_key(
    org_id: str, body: OrgKeyIn, manager: ManagerDep, rt: RuntimeDep
) -> dict[str, Any]:
    """An organization-scoped key: it names its project per request (`X-Project-Name`)."""
    with rt.db.writer.begin() as conn:
        org = _managed_org(conn, manager, rt, org_id)
        row, secret = keys.create_key(
            conn,
            org_rowid=org["org_rowid"],
            project_rowid=None,
            environment=body.environment,
            access=body.access,
            name=body.name,
        )
    return render.key({**row, "project_id": None}, secret)


@router.get("/organizations/{org_id}/keys", responses=_ERRORS, summary="List an org's keys")
def list_org_keys(org_id: str, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        org = _managed_org(conn, manager, rt, org_id)
        rows = keys.list_keys(conn, org_rowid=org["org_rowid"], project_rowid=None)
    return {"data": [render.key(r) for r in rows]}


def _managed_org(conn: Any, manager: Any, rt: Any, org_id: str) -> Any:
    org = project_store.find_org(conn, org_id=org_id)
    if org is None:
        raise NotFound(f"No organization {org_id!r}.")
    manager.require_org(rt, org["org_rowid"])
    return org


def managed_project(conn: Any, manager: Any, rt: Any, project_id: str) -> Any:
    project = project_store.find_project(conn, project_id=project_id)
    if project is None or not manager.can_manage_project(rt, project):
        raise NotFound(f"No project {project_id!r}.")
    return project


def _member_org(conn: Any, manager: Any, rt: Any, org_id: str) -> Any:
    org = project_store.find_org(conn, org_id=org_id)
    if org is None or not manager.can_read(rt, org["org_rowid"]):
        raise NotFound(f"No organization {org_id!r}.")
    return org


@router.get("/projects", responses=_ERRORS, summary="List projects")
def list_projects(
    manager: ManagerDep, rt: RuntimeDep, org_header: OrgHeader = None
) -> dict[str, Any]:
    """Of every organization of yours, or of the one `X-Organization-ID` names."""
    key, user = manager.principal.key, manager.principal.user
    with rt.db.reader.connect() as conn:
        if org_header:
            org_rowids = [_member_org(conn, manager, rt, org_header)["org_rowid"]]
        elif key is not None:
            org_rowids = [key["org_rowid"]]
        else:
            orgs = project_store.orgs_of_user(
                conn, None if user["is_admin"] else user["user_rowid"]
            )
            org_rowids = [o["org_rowid"] for o in orgs]
        rows = project_store.list_projects(conn, org_rowids)
    return {"data": [render.project(r) for r in rows]}


@router.post("/projects", status_code=201, responses=_ERRORS, summary="Create a project")
def create_project(
    manager: ManagerDep,
    rt: RuntimeDep,
    org_header: OrgHeader = None,
    body: Annotated[ProjectIn | None, Body()] = None,
    name: Annotated[str | None, Query(description="Without a body: the name.")] = None,
    environment: Annotated[str | None, Query(description="Without a body.")] = None,
    description: Annotated[str | None, Query(description="Without a body.")] = None,
) -> dict[str, Any]:
    """Creates the project and its first API key; the secret is in this response only. The
    fields come in a JSON body, or (seed 004's form) as `name`, `environment` and
    `description` query parameters."""
    if body is None:
        body = _query_form(name=name, environment=environment, description=description)
    with rt.db.writer.begin() as conn:
        org = _target_org(conn, manager, rt, body.org_id or org_header)
        plan = billing.plan_of_new_project(conn, rt, manager, org["org_rowid"], body.plan)
        project = service.create_project(
            conn,
            org["org_rowid"],
            body.name,
            plan=plan,
            retention_days=body.retention_days,
            description=body.description,
        )
        row, secret = keys.create_key(
            conn,
            org_rowid=org["org_rowid"],
            project_rowid=project["project_rowid"],
            environment=body.environment,
            name="default",
        )
    return {
        "project": render.project(project),
        "api_key": render.key({**row, "project_id": project["id"]}, secret),
    }


def _query_form(**fields: str | None) -> ProjectIn:
    try:
        return ProjectIn.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


def _target_org(conn: Any, manager: Any, rt: Any, org_id: str | None) -> Any:
    if org_id:
        return _managed_org(conn, manager, rt, org_id)
    key, user = manager.principal.key, manager.principal.user
    if key is not None:
        return project_store.org_by_rowid(conn, key["org_rowid"])
    orgs = project_store.orgs_of_user(conn, None if user["is_admin"] else user["user_rowid"])
    if not orgs:
        raise InvalidRequest("You belong to no organization: create one first.")
    return orgs[0]


@router.get("/projects/{project_id}", responses=_ERRORS, summary="Get a project")
def get_project(project_id: str, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return render.project(managed_project(conn, manager, rt, project_id))


@router.patch("/projects/{project_id}", responses=_ERRORS, summary="Update a project's settings")
def update_project(
    project_id: str, body: ProjectPatch, manager: ManagerDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Change the name, description, plan or data retention (days; null keeps data forever)."""
    changes = body.model_dump(exclude_unset=True)
    billing.guard_plan_change(rt, manager, changes)
    with rt.db.writer.begin() as conn:
        project = managed_project(conn, manager, rt, project_id)
        return render.project(service.update_project(conn, project, changes))


@router.post(
    "/projects/{project_id}/keys", status_code=201, responses=_ERRORS, summary="Create a key"
)
def create_key(project_id: str, body: KeyIn, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """The secret is returned in this response only; it is stored as a hash."""
    with rt.db.writer.begin() as conn:
        project = managed_project(conn, manager, rt, project_id)
        row, secret = keys.create_key(
            conn,
            org_rowid=project["org_rowid"],
            project_rowid=project["project_rowid"],
            environment=body.environment,
            access=body.access,
            name=body.name,
        )
    return render.key({**row, "project_id": project_id}, secret)


@router.get("/projects/{project_id}/keys", responses=_ERRORS, summary="List a project's keys")
def list_keys(project_id: str, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """Prefix, environment, access, created and last used; never the secret."""
    with rt.db.reader.connect() as conn:
        project = managed_project(conn, manager, rt, project_id)
        rows = keys.list_keys(
            conn, org_rowid=project["org_rowid"], project_rowid=project["project_rowid"]
        )
    return {"data": [render.key(r) for r in rows]}


@router.delete("/keys/{key_id}", responses=_ERRORS, summary="Revoke a key")
def revoke_key(key_id: str, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """The key stops working at once."""
    with rt.db.writer.begin() as conn:
        key = keys_store.find_key(conn, key_id)
        if key is None or not manager.can_manage(rt, key["org_rowid"]):
            raise NotFound(f"No API key {key_id!r}.")
        return render.key(keys.revoke_key(conn, key_id, key["org_rowid"]))
