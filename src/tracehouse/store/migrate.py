"""Run the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from tracehouse.config import Settings
from tracehouse.store.files import prepare_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    """An Alembic config pointing at the packaged migrations and the configured database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = settings.resolved_database_url
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    if settings.is_sqlite:
        prepare_sqlite(settings)
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    """Take the database back to `revision` (`base` removes every table)."""
    command.downgrade(alembic_config(settings), revision)
