"""`/api/v1/users/me`: the logged-in person's profile, read and changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tracehouse.errors import Conflict, Forbidden, RateLimited, Unauthorized, ValidationFailed
from tracehouse.http.auth import ManagerDep, RuntimeDep, credential
from tracehouse.http.errors import error_responses
from tracehouse.projects import render
from tracehouse.projects import store as project_store
from tracehouse.users import service
from tracehouse.users.schemas import ProfilePatch

router = APIRouter(prefix="/api/v1/users", tags=["management"])
_ERRORS = error_responses(Unauthorized, Forbidden, Conflict, ValidationFailed, RateLimited)


def _person(manager: Any) -> Any:
    user = manager.principal.user
    if user is None:
        raise Forbidden("API keys have no profile: log in (POST /api/v1/auth/login) for a token.")
    return user


def _profile(conn: Any, user: Any) -> dict[str, Any]:
    orgs = project_store.memberships_of(conn, user["user_rowid"])
    return {
        **render.user(user),
        "organizations": [{"id": o["id"], "name": o["name"], "role": o["role"]} for o in orgs],
    }


@router.get("/me", responses=_ERRORS, summary="Your profile")
def get_me(manager: ManagerDep, rt: RuntimeDep) -> dict[str, Any]:
    """Who the login token belongs to, and the organizations they belong to (with their role)."""
    user = _person(manager)
    with rt.db.reader.connect() as conn:
        return _profile(conn, user)


@router.patch("/me", responses=_ERRORS, summary="Change your profile")
def update_me(
    body: ProfilePatch, request: Request, manager: ManagerDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Change `name`, `email` or `password` (with `current_password`); a new password ends
    every other login token of yours."""
    user = _person(manager)
    cred = credential(request)
    changes = body.model_dump(exclude_unset=True)
    with rt.db.writer.begin() as conn:
        updated = service.update_profile(conn, user, changes, cred.secret if cred else None)
        return _profile(conn, updated)
