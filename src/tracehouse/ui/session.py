"""Login sessions in a cookie (a hashed-at-rest login token), CSRF tokens, project access."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from tracehouse.audit import context as audit_context
from tracehouse.errors import Forbidden, NotFound
from tracehouse.http.auth import Principal, ProjectScope
from tracehouse.projects import roles
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime, runtime
from tracehouse.users import service as users

COOKIE = "th_session"
LOGIN_CSRF_COOKIE = "th_login_csrf"


class LoginRequired(Exception):
    """The page needs a logged-in user: the UI answers with a redirect to the login page."""


@dataclass(frozen=True)
class Viewer:
    """A logged-in person and the projects they may see."""

    user: Any
    token: str
    projects: list[Any]
    roles: dict[int, str] = field(default_factory=dict)  # org rowid -> role
    project_roles: dict[int, str] = field(default_factory=dict)  # project rowid -> own role

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def project(self, project_id: str) -> Any:
        """The project if the person may see it; 404 otherwise (existence not revealed)."""
        for project in self.projects:
            if project["id"] == project_id:
                return project
        raise NotFound(f"No project {project_id!r}.")

    def role(self, project: Any) -> str | None:
        """The person's role in the project (admin, member, viewer)."""
        own = self.project_roles.get(project["project_rowid"])
        return roles.effective(self.roles.get(project["org_rowid"]), own, self.user["is_admin"])

    def scope(self, project_id: str, access: str = "write") -> ProjectScope:
        """The services' project scope, for this person acting on one of their projects
        (`access="read"` for pages that only read, like the dashboard, and for viewers)."""
        project = self.project(project_id)
        if self.role(project) == "viewer":
            access = "read"
        return ProjectScope(
            project_rowid=project["project_rowid"],
            project_id=project["id"],
            org_rowid=project["org_rowid"],
            access=access,
            is_test=False,
            principal=Principal(user=self.user),
        )


def csrf_token(session_token: str) -> str:
    """Derived from the session: nothing to store, and worthless without the HttpOnly cookie."""
    return hmac.new(session_token.encode(), b"tracehouse-csrf", hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(expected: str | None, given: str | None) -> None:
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("The form expired or did not come from this site; reload and retry.")


def visible_projects(conn: Any, user: Any) -> list[Any]:
    """Every project of the organizations the person belongs to (admins: all)."""
    orgs = project_store.orgs_of_user(conn, None if user["is_admin"] else user["user_rowid"])
    return project_store.list_projects(conn, [org["org_rowid"] for org in orgs]) if orgs else []


def find_viewer(rt: Runtime, connection: HTTPConnection) -> Viewer | None:
    """The logged-in person of a request or WebSocket, from the session cookie."""
    token = connection.cookies.get(COOKIE)
    if not token:
        return None
    with rt.db.reader.connect() as conn:
        user = users.user_for_token(conn, token)
        if user is None:
            return None
        audit_context.set_actor(user=user)
        rowid = user["user_rowid"]
        org_roles = {} if user["is_admin"] else project_store.roles_of_user(conn, rowid)
        own = project_store.project_roles_of_user(conn, rowid)
        return Viewer(user, token, visible_projects(conn, user), org_roles, own)


def viewer(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Viewer:
    """Page dependency: the logged-in person, or a redirect to the login page."""
    found = find_viewer(rt, request)
    if found is None:
        raise LoginRequired()
    return found


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body (the only kind our pages send; no multipart dependency)."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


async def csrf_form(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> dict[str, str]:
    """Form-POST dependency: the submitted fields, once their CSRF token checks out."""
    fields = await read_form(request)
    check_csrf(who.csrf, fields.get("csrf_token"))
    return fields


ViewerDep = Annotated[Viewer, Depends(viewer)]
FormDep = Annotated[dict[str, str], Depends(csrf_form)]
