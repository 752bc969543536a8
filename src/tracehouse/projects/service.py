"""Organizations and projects: create, find, auto-create by name, update settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.config import DEFAULT_RATE_LIMITS
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.ids import new_id
from tracehouse.projects import store

ADMIN_ROLES = ("owner", "admin")
#: Roles that read a project but change nothing in it (pages hide their forms; writes are 403).
READ_ONLY_ROLES = ("viewer",)


def create_org(conn: Connection, name: str, owner_user_rowid: int | None = None) -> Any:
    if store.find_org(conn, name=name) is not None:
        raise Conflict(f"An organization named {name!r} already exists.")
    org_rowid = store.insert_org(conn, new_id(), name, now_us())
    if owner_user_rowid is not None:
        store.add_member(conn, org_rowid, owner_user_rowid, "owner")
    org = store.org_by_rowid(conn, org_rowid)
    audit.record(
        conn,
        "organization.create",
        ("organization", org["id"]),
        org_rowid=org_rowid,
        after={"name": name},
    )
    return org


def get_org(conn: Connection, org_id: str) -> Any:
    org = store.find_org(conn, org_id=org_id)
    if org is None:
        raise NotFound(f"No organization {org_id!r}.")
    return org


def create_project(
    conn: Connection,
    org_rowid: int,
    name: str,
    *,
    plan: str,
    retention_days: int | None = None,
    description: str | None = None,
    project_id: str | None = None,
) -> Any:
    _check_settings(plan, retention_days)
    if store.find_project(conn, org_rowid=org_rowid, name=name) is not None:
        raise Conflict(f"A project named {name!r} already exists in this organization.")
    project_rowid = store.insert_project(
        conn,
        {
            "id": project_id or new_id(),
            "org_rowid": org_rowid,
            "name": name,
            "plan": plan,
            "retention_days": retention_days,
            "description": description,
            "created_at": now_us(),
        },
    )
    project = store.find_project(conn, project_rowid=project_rowid)
    audit.record(
        conn,
        "project.create",
        ("project", project["id"]),
        **_where(project),
        after=settings_of(project),
    )
    return project


def ensure_project(conn: Connection, org_rowid: int, name: str, plan: str) -> Any:
    """The project of that name in the org, created on first use (org-scoped keys)."""
    project = store.find_project(conn, org_rowid=org_rowid, name=name)
    return project or create_project(conn, org_rowid, name, plan=plan)


def get_project(conn: Connection, project_id: str) -> Any:
    project = store.find_project(conn, project_id=project_id)
    if project is None:
        raise NotFound(f"No project {project_id!r}.")
    return project


def update_project(conn: Connection, project: Any, changes: dict[str, Any]) -> Any:
    _check_settings(changes.get("plan", project["plan"]), changes.get("retention_days"))
    if "name" in changes and changes["name"] != project["name"]:
        clash = store.find_project(conn, org_rowid=project["org_rowid"], name=changes["name"])
        if clash is not None:
            raise Conflict(f"A project named {changes['name']!r} already exists.")
    if changes:
        store.update_project(conn, project["project_rowid"], changes)
    updated = store.find_project(conn, project_rowid=project["project_rowid"])
    before, after = settings_of(project), settings_of(updated)
    if before != after:
        action = "project.retention" if _only_retention(before, after) else "project.update"
        audit.record(
            conn, action, ("project", project["id"]), **_where(project), before=before, after=after
        )
    return updated


def delete_project(conn: Connection, project: Any, confirm_name: str) -> None:
    """Delete a project with everything in it, once the person typed its name to confirm."""
    if confirm_name.strip() != project["name"]:
        raise InvalidRequest("Type the project's name exactly to confirm deleting it.")
    audit.record(
        conn,
        "project.delete",
        ("project", project["id"]),
        **_where(project),
        before=settings_of(project),
    )
    store.delete_project(conn, project["project_rowid"])


def settings_of(project: Any) -> dict[str, Any]:
    """A project's settings as the audit log shows them."""
    return {name: project[name] for name in ("name", "description", "plan", "retention_days")}


def _only_retention(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return all(before[k] == after[k] for k in before if k != "retention_days")


def _where(project: Any) -> dict[str, Any]:
    """Where an entry about a project belongs."""
    return {"org_rowid": project["org_rowid"], "project_rowid": project["project_rowid"]}


def _check_settings(plan: str, retention_days: int | None) -> None:
    if plan not in DEFAULT_RATE_LIMITS:
        raise InvalidRequest(f"plan must be one of {', '.join(DEFAULT_RATE_LIMITS)}.")
    if retention_days is not None and retention_days < 1:
        raise InvalidRequest("retention_days must be at least 1 (or null to keep forever).")
