"""`tracehouse users|projects|keys`: administration straight on the database, like `migrate`.

These run on the server host (or anywhere the database is reachable) with the server's
`TRACEHOUSE_DATA_DIR` / `TRACEHOUSE_DATABASE_URL`, need no running server and no login, and so
also work to bootstrap or recover an installation. They call the same services as the
management API. Secrets are printed once, to standard output, and are never logged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from tracehouse.cli import render
from tracehouse.cli.database import (
    database_options,
    ensure_org,
    find_org,
    find_project,
    transaction,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tracehouse.config import Settings

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_ORG = click.option("--org", help="Organization name (needed when there are several).")
_SECRET_NOTE = "Save the secret key now: it is not shown again."


def print_table(columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, no_wrap=column in ("id", "public key"))
    for row in rows:
        table.add_row(*("-" if value is None else str(value) for value in row))
    render.console().print(table)


# --- users ------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Create users and reset passwords (on the database)."""


@users.command("create")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 8 characters; asked for when not given.",
)
@click.option("--name", help="Display name.")
@click.option("--admin", "is_admin", is_flag=True, help="An instance admin (manages everything).")
@click.option("--org", help="Add the user to this organization (created if missing).")
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "member", "viewer"]),
    default="member",
    show_default=True,
    help="Role in --org.",
)
@_JSON
@database_options
def create_user(
    settings: Settings,
    email: str,
    password: str,
    name: str | None,
    is_admin: bool,
    org: str | None,
    role: str,
    as_json: bool,
) -> None:
    """Create a user who can log in to the web UI and the management API."""
    from tracehouse.audit import service as audit
    from tracehouse.projects import render as api_render
    from tracehouse.projects import store

    if "@" not in email.strip("@") or any(c.isspace() for c in email):
        raise click.BadParameter(f"{email!r} is not an e-mail address.", param_hint="EMAIL")
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters.", param_hint="--password")
    with transaction(settings) as conn:
        organization, new_org = ensure_org(conn, org) if org else (None, False)
        user = _create_user(conn, email, password, name, is_admin)
        if organization is not None:
            store.add_member(conn, organization["org_rowid"], user["user_rowid"], role)
            audit.record(
                conn,
                "member.add",
                ("user", user["email"]),
                org_rowid=organization["org_rowid"],
                after={"role": role},
            )
    body = api_render.user(user)
    _announce(organization if new_org else None)
    if as_json:
        click.echo(json.dumps(body))
        return
    where = f", {role} of {organization['name']}" if organization is not None else ""
    kind = "admin" if is_admin else "user"
    click.echo(f"created {kind} {body['email']} (id {body['id']}){where}")


def _create_user(
    conn: Connection, email: str, password: str, name: str | None, is_admin: bool
) -> dict[str, Any]:
    from tracehouse.users import service

    return service.create_user(conn, email, password, name=name, is_admin=is_admin)


@users.command("reset-password")
@click.argument("email")
@click.option(
    "--password",
    help="The new password (at least 8 characters); asked for when neither it nor "
    "--generate is given.",
)
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@database_options
def reset_password(settings: Settings, email: str, password: str | None, generate: bool) -> None:
    """Set a user's password (a lost admin password too) and end all of the user's logins."""
    import secrets

    from tracehouse.users import service

    if generate:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters.", param_hint="--password")
    with transaction(settings) as conn:
        user = service.reset_password(conn, email, password)
    click.echo(f"password of {user['email']} reset; every login of theirs has ended")
    if generate:
        click.echo(f"  new password: {password}")


# --- projects ---------------------------------------------------------------------------


@click.group()
def projects() -> None:
    """Create and list projects (on the database)."""


@projects.command("create")
@click.argument("name")
@click.option("--org", help="Organization (created if missing); default: the only one.")
@click.option("--plan", type=click.Choice(["free", "pro", "enterprise"]), help="Rate-limit tier.")
@click.option("--retention-days", type=click.IntRange(min=1), help="Days data is kept.")
@click.option(
    "--environment",
    type=click.Choice(["live", "test"]),
    default="live",
    show_default=True,
    help="Environment of the project's first key.",
)
@_JSON
@database_options
def create_project(
    settings: Settings,
    name: str,
    org: str | None,
    plan: str | None,
    retention_days: int | None,
    environment: str,
    as_json: bool,
) -> None:
    """Create a project with its first API key (the secret is printed once)."""
    from tracehouse.keys import service as keys_service
    from tracehouse.projects import render as api_render
    from tracehouse.projects import service

    with transaction(settings) as conn:
        organization, new_org = ensure_org(conn, org) if org else (find_org(conn, None), False)
        project = service.create_project(
            conn,
            organization["org_rowid"],
            name,
            plan=plan or settings.default_plan,
            retention_days=retention_days,
        )
        row, secret = keys_service.create_key(
            conn,
            org_rowid=organization["org_rowid"],
            project_rowid=project["project_rowid"],
            environment=environment,
            name="default",
        )
    key = api_render.key({**row, "project_id": project["id"]}, secret)
    _announce(organization if new_org else None)
    if as_json:
        click.echo(json.dumps({"project": api_render.project(project), "api_key": key}))
        return
    click.echo(f"created project {name} (id {project['id']}) in {organization['name']}")
    _print_secret(key)


def _announce(created_org: Any) -> None:
    if created_org is not None:
        click.echo(f"created organization {created_org['name']}", err=True)


def _print_secret(key: dict[str, Any]) -> None:
    click.echo(
        f"  {key['environment']} key {key['id']}: public {key['public_key']}  "
        f"secret {key['secret_key']}"
    )
    click.echo(f"  {_SECRET_NOTE}")


@projects.command("list")
@_ORG
@_JSON
@database_options
def list_projects(settings: Settings, org: str | None, as_json: bool) -> None:
    """Projects of every organization (or of --org)."""
    from tracehouse.projects import render as api_render
    from tracehouse.projects import store

    with transaction(settings) as conn:
        orgs = [find_org(conn, org)] if org else store.orgs_of_user(conn, None)
        names = {o["org_rowid"]: o["name"] for o in orgs}
        rows = store.list_projects(conn, list(names))
    if as_json:
        for row in rows:
            click.echo(json.dumps({**api_render.project(row), "org": names[row["org_rowid"]]}))
        return
    print_table(
        ["id", "name", "organization", "plan", "retention", "created (UTC)"],
        [
            (
                r["id"],
                r["name"],
                names[r["org_rowid"]],
                r["plan"],
                f"{r['retention_days']} days" if r["retention_days"] else "forever",
                render.moment(api_render.project(r)["created_at"]),
            )
            for r in rows
        ],
    )


# --- keys -------------------------------------------------------------------------------


@click.group()
def keys() -> None:
    """Create, list and revoke API keys (on the database)."""


@keys.command("create")
@click.option("--project", help="Project id or name: a project key.")
@click.option(
    "--org-wide",
    is_flag=True,
    help="An organization key instead (names its project per request with X-Project-Name).",
)
@_ORG
@click.option(
    "--environment", type=click.Choice(["live", "test"]), default="live", show_default=True
)
@click.option(
    "--access",
    type=click.Choice(["read", "write", "admin"]),
    default="write",
    show_default=True,
    help="admin: organization keys only; may call the management API.",
)
@click.option("--name", help="A label to tell keys apart.")
@_JSON
@database_options
def create_key(
    settings: Settings,
    project: str | None,
    org_wide: bool,
    org: str | None,
    environment: str,
    access: str,
    name: str | None,
    as_json: bool,
) -> None:
    """Create an API key (the secret is printed once)."""
    from tracehouse.keys import service
    from tracehouse.projects import render as api_render

    if bool(project) == org_wide:
        raise click.UsageError("give either --project (a project key) or --org-wide.")
    with transaction(settings) as conn:
        if project:
            target = find_project(conn, project, org)
            org_rowid, project_rowid, project_id = (
                target["org_rowid"],
                target["project_rowid"],
                target["id"],
            )
        else:
            org_rowid, project_rowid, project_id = find_org(conn, org)["org_rowid"], None, None
        row, secret = service.create_key(
            conn,
            org_rowid=org_rowid,
            project_rowid=project_rowid,
            environment=environment,
            access=access,
            name=name,
        )
    key = api_render.key({**row, "project_id": project_id}, secret)
    if as_json:
        click.echo(json.dumps(key))
        return
    click.echo(f"created {key['scope']} key ({access})")
    _print_secret(key)


@keys.command("list")
@click.option("--project", help="Project id or name; default: every key.")
@_ORG
@_JSON
@database_options
def list_keys(settings: Settings, project: str | None, org: str | None, as_json: bool) -> None:
    """API keys with their prefix, scope, environment, access and last use (never secrets)."""
    from tracehouse.keys import service
    from tracehouse.projects import render as api_render
    from tracehouse.projects import store

    with transaction(settings) as conn:
        if project:
            target = find_project(conn, project, org)
            rows = service.list_keys(
                conn, org_rowid=target["org_rowid"], project_rowid=target["project_rowid"]
            )
        else:
            orgs = [find_org(conn, org)] if org else store.orgs_of_user(conn, None)
            rows = [
                r
                for o in orgs
                for r in service.list_keys(conn, org_rowid=o["org_rowid"], project_rowid=None)
            ]
        projects_by_id = {
            p["id"]: p["name"]
            for p in store.list_projects(conn, list({r["org_rowid"] for r in rows}))
        }
    shown = [api_render.key(r) for r in rows]
    if as_json:
        for key in shown:
            click.echo(json.dumps(key))
        return
    print_table(
        ["id", "name", "project", "prefix", "env", "access", "last used (UTC)", "status"],
        [
            (
                k["id"],
                k["name"],
                projects_by_id.get(k["project_id"] or "", "(organization)"),
                k["prefix"] + "…",
                k["environment"],
                k["access"],
                render.moment(k["last_used_at"]),
                "active" if k["active"] else "revoked",
            )
            for k in shown
        ],
    )


@keys.command("revoke")
@click.argument("key_id")
@database_options
def revoke_key(settings: Settings, key_id: str) -> None:
    """Revoke a key by id (see `keys list`): it stops working at once."""
    from tracehouse.keys import service, store

    with transaction(settings) as conn:
        key = store.find_key(conn, key_id)
        if key is None:
            raise click.ClickException(
                f"no API key {key_id!r} (ids are in `tracehouse keys list`)."
            )
        if key["revoked_at"] is not None:
            click.echo(f"key {key_id} was already revoked")
            return
        service.revoke_key(conn, key_id, key["org_rowid"])
    click.echo(f"revoked key {key_id} ({key['public_key']})")
