"""The `tracehouse` command: `serve` and `migrate`, and the command groups of the other modules.

Only the server commands and the admin commands (database) import the server's dependencies;
the data commands (`traces`, `export`, `import`) need only click, rich and httpx.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracehouse import __version__
from tracehouse.cli.admin import keys, projects, users
from tracehouse.cli.audit import audit
from tracehouse.cli.ci import ci
from tracehouse.cli.clickhouse import clickhouse
from tracehouse.cli.traces import traces
from tracehouse.cli.transfer import export, import_

if TYPE_CHECKING:
    from tracehouse.config import Settings


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line flags on top; exit 2 when invalid."""
    from pydantic import ValidationError

    from tracehouse.config import Settings

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise click.UsageError(f"invalid configuration:\n{exc}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracehouse")
def main() -> None:
    """Tracehouse: observability for LLM applications and AI agents."""


@main.command()
@click.option(
    "--host", help="Interface to listen on [env TRACEHOUSE_LISTEN_HOST, default 127.0.0.1]."
)
@click.option("--port", type=int, help="Port [env TRACEHOUSE_PORT, default 8000].")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory for SQLite [env TRACEHOUSE_DATA_DIR, default ./data].",
)
@click.option("--database-url", help="Database URL [env TRACEHOUSE_DATABASE_URL].")
@click.option(
    "--workers", type=int, default=1, show_default=True, help="Server processes (PostgreSQL only)."
)
def serve(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database_url: str | None,
    workers: int,
) -> None:
    """Migrate the database, create the first admin and keys if needed, and serve."""
    from tracehouse.cli import serving

    settings = load_settings(
        listen_host=host, port=port, data_dir=data_dir, database_url=database_url
    )
    if workers > 1 and settings.is_sqlite:
        raise click.UsageError("--workers > 1 needs PostgreSQL (SQLite has a single writer).")
    target = settings.clickhouse_target
    if workers > 1 and target is not None and target.embedded:
        raise click.UsageError(
            "--workers > 1 cannot share chDB (one process owns a chdb:// directory): "
            "run a ClickHouse server and set TRACEHOUSE_CLICKHOUSE_URL=http://…"
        )
    serving.run(settings, workers)


def app_from_env() -> Any:
    """The app factory uvicorn calls in each worker."""
    from tracehouse.app import create_app
    from tracehouse.config import Settings

    return create_app(Settings())


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--database-url")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def migrate(data_dir: Path | None, database_url: str | None, revision: str) -> None:
    """Bring the database schema up to date (Alembic)."""
    from tracehouse.store.migrate import upgrade

    settings = load_settings(data_dir=data_dir, database_url=database_url)
    try:
        upgrade(settings, revision)
    except Exception as exc:
        click.echo(f"error: migration failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"database is at revision {revision}")


for _command in (users, projects, keys, audit, traces, export, import_, ci, clickhouse):
    main.add_command(_command)


if __name__ == "__main__":
    main()
