"""`tracehouse serve` at work: logging with credentials redacted, migrations, the first start's
admin and keys (printed last, once the server answers), uvicorn, and a quiet stop on Ctrl-C."""

from __future__ import annotations

import logging
import logging.config
import os
import sys
from typing import TYPE_CHECKING, Any

import click
import uvicorn
from uvicorn.supervisors import Multiprocess

from tracehouse.bootstrap import bootstrap
from tracehouse.http.logs import log_config
from tracehouse.otlp import offload
from tracehouse.providers.secrets import beside_database
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

if TYPE_CHECKING:
    from tracehouse.config import Settings

log = logging.getLogger("tracehouse.serve")
APP = "tracehouse.cli.main:app_from_env"


def run(settings: Settings, workers: int) -> None:
    """Prepare the database, then serve until stopped; Ctrl-C ends it without a traceback."""
    config = log_config(settings.log_level)
    logging.config.dictConfig(config)
    try:
        report = prepare(settings)
    except KeyboardInterrupt:
        click.echo("Interrupted before the server started.", err=True)
        sys.exit(130)
    _export(settings)
    server = uvicorn.Config(
        APP,
        factory=True,
        host=settings.listen_host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=config,
        access_log=False,  # ours (tracehouse.access) logs no query string
    )
    try:
        _serve(server, report)
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it already served as a graceful stop
    finally:
        offload.stop()


def prepare(settings: Settings) -> str:
    """Migrate, create the first admin and keys if needed, say where the encryption key is;
    returns the report to print once the server answers."""
    log.info("Bringing the database schema up to date")
    upgrade(settings)
    db = open_database(settings)
    try:
        created = bootstrap(db.writer, settings)
    finally:
        db.dispose()
    where = beside_database(settings)
    if where is not None:
        log.warning(
            "The key encrypting stored provider credentials is kept beside the database, in "
            "%s: a backup holding both exposes them. Set TRACEHOUSE_SECRET_KEY or "
            "TRACEHOUSE_SECRET_KEY_FILE to keep it apart (docs/operations.md, Security).",
            where,
        )
    if created is not None:
        return created.report(settings.base_url)
    return f"Tracehouse is running at {settings.base_url} (web UI: {settings.base_url}/ui/)"


def _serve(config: uvicorn.Config, report: str) -> None:
    if config.workers > 1:
        _AnnouncingWorkers(config, [config.bind_socket()], report).run()
        return
    _AnnouncingServer(config, report).run()


class _AnnouncingServer(uvicorn.Server):
    """Prints the report after uvicorn's start-up lines, when the server answers."""

    def __init__(self, config: uvicorn.Config, report: str):
        super().__init__(config)
        self.report = report

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:
            click.echo(self.report)


class _AnnouncingWorkers(Multiprocess):
    """The same for several worker processes: the report once every worker answers."""

    def __init__(self, config: uvicorn.Config, sockets: Any, report: str):
        super().__init__(config, sockets)
        self.report = report

    def init_processes(self) -> None:
        super().init_processes()
        timeout = self.config.timeout_worker_healthcheck * 12
        if all(p.wait_until_ready(timeout, self.should_exit) for p in self.processes):
            click.echo(self.report)


def _export(settings: Settings) -> None:
    # Worker processes build their Settings from the environment: hand the flags down.
    os.environ["TRACEHOUSE_LISTEN_HOST"] = settings.listen_host
    os.environ["TRACEHOUSE_PORT"] = str(settings.port)
    os.environ["TRACEHOUSE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["TRACEHOUSE_DATABASE_URL"] = settings.database_url
