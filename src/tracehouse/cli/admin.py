"""`tracehouse users|projects|keys`: administration straight on the database, like `migrate`.

These run on the server host (or anywhere the database is reachable) with the server's
`TRACEHOUSE_DATA_DIR` / `TRACEHOUSE_DATABASE_URL`, need no running server and no login, and so
also work to bootstrap or recover an installation. They call the same services as the
management API. Secrets are printed once, to standard output, and are never logged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracehouse.cli import render

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tracehouse.config import Settings

Command = Callable[..., None]
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_ORG = click.option("--org", help="Organization name (needed when there are several).")
_SECRET_NOTE = "Save the secret key now: it is not shown again."


def database_options(func: Command) -> Command:
    """Add `--data-dir` and `--database-url`; the command receives `settings`."""

    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, database_url: str | None, **kw: Any) -> None:
        from tracehouse.cli.main import load_settings

        func(*args, settings=load_settings(data_dir=data_dir, database_url=database_url), **kw)

    wrapper = click.option(
        "--database-url",
        help="Database URL [env TRACEHOUSE_DATABASE_URL; default SQLite in the data dir].",
    )(wrapper)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Data directory of the SQLite database [env TRACEHOUSE_DATA_DIR, default ./data].",
    )(wrapper)


@contextmanager
def transaction(settings: Settings) -> Iterator[Connection]:
    """One transaction on the server's database; domain and database errors become messages."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from tracehouse.errors import TracehouseError
    from tracehouse.store.engine import open_database

    where = settings.database_url or str(settings.data_dir / "tracehouse.db")
    if settings.is_sqlite and not (settings.data_dir / "tracehouse.db").exists():
        raise click.ClickException(f"no Tracehouse database at {where}: {_HINT}")
    db = open_database(settings)
    try:
        with db.writer.begin() as conn:
            if not inspect(conn).has_table("api_keys"):
                raise click.ClickException(f"the database at {where} has no tables: {_HINT}")
            yield conn
    except TracehouseError as exc:
        raise click.ClickException(exc.message) from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"database error ({where}): {getattr(exc, 'orig', None) or exc}"
        ) from exc
    finally:
        db.dispose()


_HINT = (
    "run `tracehouse migrate` (or `serve`) first, or check --data-dir / --database-url "
    "(TRACEHOUSE_DATA_DIR / TRACEHOUSE_DATABASE_URL)."
)


def find_org(conn: Connection, name: str | None, *, create: bool = False) -> Any:
    """The organization named, created if asked; without a name, the only one there is."""
    from tracehouse.projects import service as projects
    from tracehouse.projects import store

    if name:
        org = store.find_org(conn, name=name)
        if org is None and create:
            click.echo(f"created organization {name}", err=True)
            return projects.create_org(conn, name)
        if org is None:
            raise click.ClickException(f"no organization named {name!r}.")
        return org
    orgs = store.orgs_of_user(conn, None)
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise click.ClickException("there is no organization yet: name one with --org.")
    names = ", ".join(o["name"] for o in orgs)
    raise click.ClickException(f"there are several organizations ({names}): choose with --org.")


def find_project(conn: Connection, ref: str, org_name: str | None) -> Any:
    """A project by id, or by name (in `--org`, or in the only organization having one)."""
    from tracehouse.projects import store

    project = store.find_project(conn, project_id=ref)
    if project is not None:
        return project
    orgs = [find_org(conn, org_name)] if org_name else store.orgs_of_user(conn, None)
    matches = [p for p in store.list_projects(conn, [o["org_rowid"] for o in orgs])]
    matches = [p for p in matches if p["name"] == ref]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise click.ClickException(f"no project with id or name {ref!r}.")
    raise click.ClickException(f"several projects are named {ref!r}: choose with --org.")


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
    """Create users (on the database)."""


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
    type=click.Choice(["owner", "admin", "member"]),
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
    from tracehouse.projects import render as api_render
    from tracehouse.projects import store

    if "@" not in email.strip("@") or any(c.isspace() for c in email):
        raise click.BadParameter(f"{email!r} is not an e-mail address.", param_hint="EMAIL")
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters.", param_hint="--password")
    with transaction(settings) as conn:
        organization = find_org(conn, org, create=True) if org else None
        user = _create_user(conn, email, password, name, is_admin)
        if organization is not None:
            store.add_member(conn, organization["org_rowid"], user["user_rowid"], role)
    body = api_render.user(user)
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
        organization = find_org(conn, org, create=org is not None)
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
    if as_json:
        click.echo(json.dumps({"project": api_render.project(project), "api_key": key}))
        return
    click.echo(f"created project {name} (id {project['id']}) in {organization['name']}")
    _print_secret(key)


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
