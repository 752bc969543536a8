"""First start: create the admin, an organization, a project and keys (or the TRACEHOUSE_INIT_*
ones), and report them once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from tracehouse.config import Settings
from tracehouse.keys import service as keys
from tracehouse.keys import store as key_store
from tracehouse.keys.secrets import hash_secret
from tracehouse.projects import service as projects
from tracehouse.projects import store as project_store
from tracehouse.users import service as users
from tracehouse.users import store as user_store


@dataclass
class Created:
    """What the first start made; secrets appear here once and are never stored in clear."""

    email: str | None = None
    password: str | None = None
    org: str | None = None
    project: str | None = None
    keys: list[tuple[str, str, str]] = field(default_factory=list)

    def report(self, base_url: str) -> str:
        lines = [f"Tracehouse is running at {base_url}", f"  web UI: {base_url}/ui/"]
        if self.email:
            shown = self.password if self.password else "(from TRACEHOUSE_INIT_USER_PASSWORD)"
            lines.append(f"  admin login: {self.email} / {shown}")
        if self.project:
            lines.append(f"  organization: {self.org}   project: {self.project}")
        for environment, public, secret in self.keys:
            lines.append(f"  {environment} key: public {public}  secret {secret}")
        if self.keys:
            lines.append("  Save the secret keys now: they are not shown again.")
        return "\n".join(lines)


def bootstrap(engine: Engine, settings: Settings) -> Created | None:
    """Create the first admin and project if there is no user yet, and make sure the
    TRACEHOUSE_INIT_* entities exist (so scripts can restart with the same credentials)."""
    created = Created()
    with engine.begin() as conn:
        first = user_store.count_users(conn) == 0
        if not first and not settings.init_secret_key:
            return None
        user_rowid = _admin(conn, settings, first, created)
        ids = _org_and_project(conn, settings, user_rowid, created)
        _keys(conn, settings, ids, first, created)
    return created if (created.email or created.keys) else None


def _admin(conn: Connection, settings: Settings, first: bool, created: Created) -> int | None:
    """The admin's rowid: created on the first start (or when TRACEHOUSE_INIT_USER_EMAIL
    names someone new), else the existing one, if any."""
    email = settings.init_user_email or "admin@tracehouse.local"
    user = user_store.find_user(conn, email.lower())
    if user is None and (first or settings.init_user_email):
        password = settings.init_user_password or secrets.token_urlsafe(12)
        user_row = users.create_user(conn, email, password, name="Admin", is_admin=True)
        created.email = email
        created.password = None if settings.init_user_password else password
        return int(user_row["user_rowid"])
    return int(user["user_rowid"]) if user is not None else None


def _org_and_project(
    conn: Connection, settings: Settings, user_rowid: int | None, created: Created
) -> dict[str, Any]:
    """The initial organization and project, created if missing; returns their rowids."""
    org_name = settings.init_org_name or "Default"
    org = project_store.find_org(conn, name=org_name)
    if org is None:
        org = projects.create_org(conn, org_name, user_rowid)
    project_name = settings.init_project_name or "default"
    project = project_store.find_project(conn, org_rowid=org["org_rowid"], name=project_name)
    if project is None:
        project = projects.create_project(
            conn,
            org["org_rowid"],
            project_name,
            plan=settings.default_plan,
            project_id=settings.init_project_id,
        )
    created.org, created.project = org["name"], project["name"]
    return {"org_rowid": org["org_rowid"], "project_rowid": project["project_rowid"]}


def _keys(
    conn: Connection, settings: Settings, ids: dict[str, Any], first: bool, created: Created
) -> None:
    """The TRACEHOUSE_INIT_* key if it is not there yet; else, on the first start, a live and
    a test key (their secrets reported once)."""
    if settings.init_secret_key:
        if key_store.key_by_hash(conn, hash_secret(settings.init_secret_key)) is None:
            keys.create_key(
                conn,
                **ids,
                environment="live",
                name="init",
                public_key=settings.init_public_key,
                secret_key=settings.init_secret_key,
            )
    elif first:
        for environment in ("live", "test"):
            row, secret = keys.create_key(conn, **ids, environment=environment, name=environment)
            created.keys.append((environment, row["public_key"], secret))
