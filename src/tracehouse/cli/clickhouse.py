"""`tracehouse clickhouse copy`, `verify` and `rebuild-rollups`: move an existing SQLite or
PostgreSQL deployment's traces into ClickHouse (the work is in `store/clickhouse/copy.py`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracehouse.cli import render

if TYPE_CHECKING:
    from tracehouse.config import Settings
    from tracehouse.store.clickhouse.client import ClickHouse
    from tracehouse.store.clickhouse.copy import Copier, Count
    from tracehouse.store.engine import Database

Command = Callable[..., None]


def _options(func: Command) -> Command:
    """`--data-dir`, `--database-url`, `--clickhouse-url`; the command receives `settings`."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        data_dir: Path | None,
        database_url: str | None,
        clickhouse_url: str | None,
        **kw: Any,
    ) -> None:
        from tracehouse.cli.main import load_settings

        settings = load_settings(
            data_dir=data_dir, database_url=database_url, clickhouse_url=clickhouse_url
        )
        if settings.clickhouse_url is None:
            raise click.UsageError("say where ClickHouse is: --clickhouse-url (or its variable).")
        func(*args, settings=settings, **kw)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


_OPTIONS = (
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Data directory of the SQLite database [env TRACEHOUSE_DATA_DIR, default ./data].",
    ),
    click.option(
        "--database-url",
        help="Database URL [env TRACEHOUSE_DATABASE_URL; default SQLite in the data dir].",
    ),
    click.option(
        "--clickhouse-url",
        help="ClickHouse to copy into: http(s)://… or chdb:///dir [env TRACEHOUSE_CLICKHOUSE_URL].",
    ),
)


@click.group("clickhouse")
def clickhouse() -> None:
    """Move traces from the relational database into ClickHouse (docs/clickhouse.md)."""


@clickhouse.command("copy")
@_options
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Rows per ClickHouse insert.",
)
@click.option("--restart", is_flag=True, help="Forget the saved progress; copy from the start.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def copy(settings: Settings, batch_size: int, restart: bool, quiet: bool) -> None:
    """Copy traces, observations, scores and model calls into ClickHouse, then verify the
    counts per project.

    Resumable: each table's progress is saved after every batch, and a new run continues
    where the last one stopped. Idempotent: rows already copied are not stored twice. Stop
    ingestion first (rows changed after they were copied are copied again only with
    --restart). Exit 1 when ClickHouse lacks rows."""
    from tracehouse.store.clickhouse.copy import Copier, clear_cursors

    with _opened(settings) as db:
        assert db.clickhouse is not None
        copier = Copier(db, db.clickhouse, _target_name(settings), batch_size)
        if restart:
            with db.writer.begin() as conn:
                clear_cursors(conn)
        try:
            _copy_all(copier, quiet)
        except KeyboardInterrupt:
            click.echo("interrupted: run the command again to continue.", err=True)
            raise SystemExit(130) from None
        _rebuild_rollups(db.clickhouse)
        _report(copier.db)


def _rebuild_rollups(ch: ClickHouse) -> None:
    from tracehouse.store.clickhouse import rollups

    counted = rollups.rebuild_all(ch)
    click.echo(f"analytics roll-ups rebuilt from {counted} traces")


@clickhouse.command("rebuild-rollups")
@_options
def rebuild_rollups(settings: Settings) -> None:
    """Recompute every project's analytics roll-ups in ClickHouse from its current traces
    (opening the store does it by itself when the roll-ups are empty and traces are not).
    Run it with ingestion stopped: writes meanwhile may count twice or not at all."""
    with _opened(settings) as db:
        assert db.clickhouse is not None
        _rebuild_rollups(db.clickhouse)


@clickhouse.command("verify")
@_options
def verify(settings: Settings) -> None:
    """Compare the rows per project of each table in the relational database and in
    ClickHouse; exit 1 when ClickHouse lacks rows."""
    with _opened(settings) as db:
        _report(db)


@clickhouse.command("logs-config")
def logs_config() -> None:
    """Print the ClickHouse server settings that keep its system log tables small (a
    config.d file: put it in /etc/clickhouse-server/config.d/ on every server)."""
    from tracehouse.store.clickhouse.systemlogs import config_xml

    click.echo(config_xml(), nl=False)


def _copy_all(copier: Copier, quiet: bool) -> None:
    """Every table, one progress bar each."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from tracehouse.store.clickhouse.copy import TABLES

    columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn())
    console = render.console(err=True)
    with Progress(*columns, TimeRemainingColumn(), console=console, disable=quiet) as bar:
        for table in TABLES:
            task = bar.add_task(table, total=copier.remaining(table))
            copier.copy_table(table, functools.partial(bar.advance, task))


def _report(db: Database) -> None:
    """The counts as a table; exit 1 when a table of a project has rows missing."""
    from tracehouse.store.clickhouse.copy import verify

    assert db.clickhouse is not None
    counts = verify(db, db.clickhouse)
    render.console().print(_count_table(counts))
    missing = [c for c in counts if c.status == "missing"]
    if missing:
        raise click.ClickException(
            f"ClickHouse lacks rows in {len(missing)} table(s) of a project: "
            "run `tracehouse clickhouse copy` (again)."
        )
    click.echo("verified: ClickHouse has every row of the relational database.")


def _count_table(counts: list[Count]) -> Any:
    from rich.table import Table

    table = Table("table", "project", "relational", "clickhouse", "status")
    for c in counts:
        numbers = (f"{c.relational:,}", f"{c.clickhouse:,}")
        table.add_row(c.table, str(c.project_rowid), *numbers, c.status)
    return table


@contextmanager
def _opened(settings: Settings) -> Iterator[Database]:
    """The relational database (which must exist) with ClickHouse attached; errors as
    messages."""
    from tracehouse.cli.database import transaction
    from tracehouse.store.engine import open_database

    with transaction(settings.model_copy(update={"clickhouse_url": None})):
        pass  # the relational database exists and has its tables
    try:
        db = open_database(settings)
    except Exception as exc:
        raise click.ClickException(_clickhouse_error(settings, exc)) from exc
    try:
        yield db
    finally:
        db.dispose()


def _clickhouse_error(settings: Settings, exc: Exception) -> str:
    target = settings.clickhouse_target
    if target is not None and target.embedded:
        return (
            f"cannot open the chDB directory {target.path}: {exc}. One process owns a chDB "
            "directory: if a server runs on it, stop the server first."
        )
    return f"cannot open ClickHouse at {_target_name(settings)}: {exc}"


def _target_name(settings: Settings) -> str:
    """Where the copy goes, without credentials (cursors are kept per target)."""
    target = settings.clickhouse_target
    assert target is not None
    if target.path is not None:
        return f"chdb://{target.path.resolve()}/{target.database}"
    return f"{target.host}:{target.port}/{target.database}"
