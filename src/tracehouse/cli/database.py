"""The database side of the admin commands: `--data-dir`/`--database-url`, one transaction
with readable errors, and finding organizations and projects by name or id."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from tracehouse.config import Settings

Command = Callable[..., None]


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


def find_org(conn: Connection, name: str | None) -> Any:
    """The organization named; without a name, the only one there is."""
    from tracehouse.projects import store

    if name:
        org = store.find_org(conn, name=name)
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


def ensure_org(conn: Connection, name: str) -> tuple[Any, bool]:
    """The organization named, created when missing; and whether it was created."""
    from tracehouse.projects import service, store

    org = store.find_org(conn, name=name)
    return (org, False) if org is not None else (service.create_org(conn, name), True)


def find_project(conn: Connection, ref: str, org_name: str | None) -> Any:
    """A project by id, or by name (in `--org`, or in the only organization having one)."""
    from tracehouse.projects import store

    project = store.find_project(conn, project_id=ref)
    if project is not None:
        return project
    orgs = [find_org(conn, org_name)] if org_name else store.orgs_of_user(conn, None)
    listed = store.list_projects(conn, [o["org_rowid"] for o in orgs])
    matches = [p for p in listed if p["name"] == ref]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise click.ClickException(f"no project with id or name {ref!r}.")
    raise click.ClickException(f"several projects are named {ref!r}: choose with --org.")
