"""Every migration runs up and down, on SQLite and PostgreSQL, and matches the table models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from tests.conftest import PG_ADMIN_URL

from tracehouse.config import Settings
from tracehouse.store.migrate import downgrade, upgrade
from tracehouse.store.tables import metadata


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_settings(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    name = f"tracehouse_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield Settings(database_url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_up_down_up_matches_models(fresh_settings: Settings) -> None:
    upgrade(fresh_settings)
    engine = create_engine(fresh_settings.resolved_database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], diff
    downgrade(fresh_settings, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(fresh_settings)
    with engine.connect() as conn:
        assert "traces" in inspect(conn).get_table_names()
    engine.dispose()
