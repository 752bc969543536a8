"""`/api/v1/projects/{id}/members`: project roles (admin, member, viewer) of the organization's
members, over their organization role. Organization managers and project admins manage them."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from tracehouse.http.auth import ManagerDep, RuntimeDep
from tracehouse.http.schemas import RequestModel
from tracehouse.projects import roles
from tracehouse.projects import store as project_store
from tracehouse.projects.routes import _ERRORS, managed_project

router = APIRouter(prefix="/api/v1/projects", tags=["management"])


class ProjectRoleIn(RequestModel):
    role: Literal["admin", "member", "viewer"] | None = Field(
        description="The person's role in this project; null: their organization role applies."
    )


def _person(row: Any) -> dict[str, Any]:
    return {
        "user_id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "organization_role": row["role"],
        "project_role": row["project_role"],
        "role": roles.effective(row["role"], row["project_role"]),
    }


@router.get("/{project_id}/members", responses=_ERRORS, summary="List a project's people")
def list_members(project_id: str, manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """Every member of the project's organization: organization role, own project role (if
    any) and the role that applies here."""
    with rt.db.reader.connect() as conn:
        project = managed_project(conn, manager, rt, project_id)
        people = project_store.project_people(conn, project["project_rowid"], project["org_rowid"])
    return {"data": [_person(p) for p in people]}


@router.put("/{project_id}/members/{email}", responses=_ERRORS, summary="Set a project role")
def set_member(
    project_id: str, email: str, body: ProjectRoleIn, manager: ManagerDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Give a member of the organization a role in this project (null: back to their
    organization role)."""
    with rt.db.writer.begin() as conn:
        project = managed_project(conn, manager, rt, project_id)
        user, org_role = roles.set_role(conn, project, email, body.role)
    row = {
        "id": user["id"],
        "email": user["email"],
        "name": user["name"],
        "role": org_role,
        "project_role": body.role,
    }
    return _person(row)
