"""Who a verified ID token is: the person with that e-mail (created on first login, in the
configured organization), their role kept in step with the mapped claim."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.config import Settings
from tracehouse.errors import Forbidden
from tracehouse.projects import store as projects
from tracehouse.users import service as users
from tracehouse.users import store

#: Most powerful first: when several claim values map, the first of these wins.
ROLES = ("owner", "admin", "member", "viewer")


def email_of(settings: Settings, claims: dict[str, Any]) -> str:
    """The token's e-mail, verified and of an allowed domain; 403 otherwise."""
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email or claims.get("email_verified") is False:
        raise Forbidden("The sign-on provider did not vouch for an e-mail address.")
    allowed = [d.lower().lstrip("@") for d in settings.oidc_allowed_domains]
    if allowed and email.rsplit("@", 1)[1] not in allowed:
        raise Forbidden(f"E-mail addresses of {email.rsplit('@', 1)[1]} may not sign in here.")
    return email


def mapped_role(settings: Settings, claims: dict[str, Any]) -> str | None:
    """The role the claim maps to (None: the claim is not configured or absent)."""
    if not settings.oidc_role_claim or settings.oidc_role_claim not in claims:
        return None
    value = claims[settings.oidc_role_claim]
    values = [str(v) for v in (value if isinstance(value, list) else [value])]
    roles = {settings.oidc_role_map[v] for v in values if v in settings.oidc_role_map}
    return next((r for r in ROLES if r in roles), settings.oidc_default_role)


def person(conn: Connection, settings: Settings, claims: dict[str, Any]) -> Any:
    """The user the claims name, created (with an unusable password) on first login."""
    email = email_of(settings, claims)
    user = store.find_user(conn, email)
    if user is None:
        name = claims.get("name")
        users.create_user(conn, email, secrets.token_urlsafe(48), name=name)
        user = store.find_user(conn, email)
    _keep_role(conn, settings, user, mapped_role(settings, claims))
    return user


def _keep_role(conn: Connection, settings: Settings, user: Any, role: str | None) -> None:
    """Add the person to the organization, or change their role to what the claim maps to."""
    org_rowid = _organization(conn, settings)["org_rowid"]
    current = projects.member_role(conn, org_rowid, user["user_rowid"])
    target = ("user", user["email"])
    if current is None:
        role = role or settings.oidc_default_role
        projects.add_member(conn, org_rowid, user["user_rowid"], role)
        audit.record(conn, "member.add", target, org_rowid=org_rowid, after={"role": role})
    elif role is not None and role != current:
        projects.set_member_role(conn, org_rowid, user["user_rowid"], role)
        before, after = {"role": current}, {"role": role}
        audit.record(conn, "member.role", target, org_rowid=org_rowid, before=before, after=after)


def _organization(conn: Connection, settings: Settings) -> Any:
    if settings.oidc_organization:
        org = projects.find_org(conn, name=settings.oidc_organization)
    else:
        org = next(iter(projects.orgs_of_user(conn, None)), None)
    if org is None:
        raise Forbidden("No organization to sign in to: set TRACEHOUSE_OIDC_ORGANIZATION.")
    return org
