"""Fixtures: every API test runs against a real SQLite file and a real PostgreSQL database,
through the real ASGI app (lifespan included)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.files import prepare_sqlite
from tracehouse.store.migrate import upgrade
from tracehouse.store.tables import metadata

PG_ADMIN_URL = os.environ.get(
    "TRACEHOUSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PUBLIC_KEY = "pk-th-test-public"
SECRET_KEY = "sk-th-test-secret-0001-for-the-tests"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


#: PostgreSQL databases this process migrated to the newest schema (its session's database).
_MIGRATED: set[str] = set()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (one per xdist worker), migrated
    once, dropped at the end."""
    name = f"tracehouse_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_psycopg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # CI must fail, not skip, without PostgreSQL
        pytest.fail(f"PostgreSQL is required for the test suite ({PG_ADMIN_URL}): {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(Settings(database_url=url))
    _MIGRATED.add(url)
    yield url
    _MIGRATED.discard(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


#: Restart the sequences a test used, as TRUNCATE ... RESTART IDENTITY did.
_RESTART_SEQUENCES = """
DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences
           WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$
"""


def _truncate(url: str) -> None:
    """Empty every table and restart their ids. DELETE, children first, rather than one
    TRUNCATE: on tables holding a test's few rows it takes some 50 ms instead of 1.5 s (a
    TRUNCATE of 74 tables makes new files for each and its indexes)."""
    engine = create_engine(_psycopg(url))
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text(_RESTART_SEQUENCES))
    engine.dispose()


@functools.cache
def _sqlite_template() -> Path:
    """A SQLite database at the newest schema, migrated once per process: a test's new
    database starts as a copy of it (3.5 s of migrations become a 1 ms copy)."""
    folder = Path(tempfile.mkdtemp(prefix="tracehouse-schema-"))
    atexit.register(shutil.rmtree, folder, True)
    settings = Settings(data_dir=folder / "data")
    upgrade(settings)
    path = _sqlite_path(settings)
    assert path is not None
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file, none in a -wal file
    return path


def _sqlite_path(settings: Settings) -> Path | None:
    database = make_url(settings.resolved_database_url).database
    return Path(database) if database and database != ":memory:" else None


def migrate(settings: Settings) -> None:
    """The test database at the newest schema, as `upgrade` leaves it: a new SQLite file is a
    copy of the migrated template, the session's PostgreSQL database is migrated already;
    anything else (an existing SQLite file, another database) is upgraded."""
    if settings.is_sqlite:
        path = _sqlite_path(settings)
        if path is not None and not path.exists():
            template = _sqlite_template()
            prepare_sqlite(settings)  # the data directory and the file, private
            shutil.copyfile(template, path)
            return
    elif settings.database_url in _MIGRATED:
        return
    upgrade(settings)


@pytest.fixture(scope="session", autouse=True)
def _passwords_hashed_once() -> Iterator[None]:
    """scrypt is slow on purpose (~40 ms a hash): in this test process each password is hashed
    once and each (password, hash) pair checked once, the answers remembered. Both stay the real
    functions (`verify_password` of a wrong password or another hash still computes and fails);
    every test's bootstrap and admin login would otherwise redo the same work."""
    from tracehouse.users import passwords, service

    real_hash, real_verify = passwords.hash_password, passwords.verify_password
    hashed = functools.cache(real_hash)
    passwords.hash_password = service.hash_password = hashed
    passwords.verify_password = functools.cache(real_verify)
    yield
    passwords.hash_password = service.hash_password = real_hash
    passwords.verify_password = real_verify


@pytest.fixture(scope="module", autouse=True)
def _collect_after_module() -> Iterator[None]:
    """Collect a module's garbage before the next module starts, while no event loop runs: an
    async HTTP client a test left open (the `openai` and `anthropic` clients close themselves
    from `__del__` on whatever loop is running) would otherwise be closed later against its dead
    loop, inside another file's async fixture on the same worker."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def clickhouse_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """chDB in a directory of this test process (one process owns a chDB directory: each
    xdist worker has its own), its tables emptied before each test that uses it."""
    return f"chdb://{tmp_path_factory.mktemp('chdb')}"


def _truncate_clickhouse(url: str) -> None:
    from tracehouse.store.clickhouse import client, rollups, schema, search_schema
    from tracehouse.store.clickhouse.url import parse

    store = client.open_clickhouse(parse(url), None, async_insert=False)
    try:
        for name in (*schema.SPECS, *search_schema.TABLES, *(t.name for t in rollups.TABLES)):
            store.command(f"TRUNCATE TABLE IF EXISTS {store.layout.local(name)}")
    finally:
        store.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked `clickhouse` run their `db_kind` tests on a third kind, "clickhouse"
    (PostgreSQL for the relational data, chDB for traces), unless a test names its kinds."""
    named = any(
        "db_kind" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize")
    )
    if named or "db_kind" not in metafunc.fixturenames:
        return
    kinds = ["sqlite", "postgres"]
    if metafunc.definition.get_closest_marker("clickhouse") is not None:
        kinds.append("clickhouse")
    metafunc.parametrize("db_kind", kinds, indirect=True)


def make_settings(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, **extra: Any
) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "init_org_name": "Acme",
        "init_project_name": "main",
        "init_user_email": ADMIN_EMAIL,
        "init_user_password": ADMIN_PASSWORD,
        "init_public_key": PUBLIC_KEY,
        "init_secret_key": SECRET_KEY,
        "retention_interval_seconds": 0,
        "analytics_refresh_seconds": 0,  # tests refresh roll-ups explicitly (or enable it)
        "search_index_interval_seconds": 0,  # tests index explicitly (or enable it)
    }
    if kind in ("postgres", "clickhouse"):
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
        base["database_url"] = url
    if kind == "clickhouse":
        base["clickhouse_url"] = request.getfixturevalue("clickhouse_url")
        _truncate_clickhouse(base["clickhouse_url"])
    base.update(extra)
    return Settings(**base)


@dataclass
class Harness:
    """A running app with a known admin, org, project and live key."""

    client: httpx.AsyncClient
    settings: Settings
    app: Any

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {SECRET_KEY}"}

    async def admin_token(self) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def new_project(self, name: str, **fields: Any) -> tuple[str, dict[str, str]]:
        """Create a project through the API; returns its id and its key's auth header."""
        response = await self.client.post(
            "/api/v1/projects", json={"name": name, **fields}, headers=await self.admin_token()
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["project"]["id"], {"Authorization": f"Bearer {body['api_key']['secret_key']}"}


async def start(settings: Settings) -> AsyncIterator[Harness]:
    migrate(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    db.dispose()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://tracehouse.test"
        ) as client:
            yield Harness(client=client, settings=settings, app=app)


@pytest.fixture
def db_kind(request: pytest.FixtureRequest) -> str:
    """sqlite, postgres, and clickhouse in modules marked so (`pytest_generate_tests`)."""
    return str(request.param)


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The app on SQLite and on PostgreSQL (each test runs on both)."""
    async for harness in start(make_settings(db_kind, tmp_path, request)):
        yield harness


#: A real server's first start with the credentials above.
INIT_ENV = {
    "TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY,
    "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY,
    "TRACEHOUSE_INIT_USER_EMAIL": ADMIN_EMAIL,
    "TRACEHOUSE_INIT_USER_PASSWORD": ADMIN_PASSWORD,
}


@dataclass
class LiveServer:
    """A real `tracehouse serve` process (SQLite) with known credentials."""

    url: str
    public_key: str
    secret_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}

    def get(self, path: str, **params: Any) -> Any:
        """GET a JSON resource with the live key; fails the test on a non-200."""
        response = httpx.get(f"{self.url}{path}", params=params, headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server process for the whole session; tests use fresh trace ids to stay apart."""
    from tests.server import start_server

    data = tmp_path_factory.mktemp("live") / "data"
    server = start_server(
        data,
        env=INIT_ENV,
    )
    try:
        yield LiveServer(server.url, PUBLIC_KEY, SECRET_KEY)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def clickhouse_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`live_server` on PostgreSQL + chDB: a database of its own (the session's is emptied by
    each test) and a chDB directory of its own, one server process (one owns a directory)."""
    from tests.server import start_server

    name = f"tracehouse_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_psycopg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    folder = tmp_path_factory.mktemp("live-ch")
    server = start_server(
        folder / "data",
        env={
            "TRACEHOUSE_DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
            "TRACEHOUSE_CLICKHOUSE_URL": f"chdb://{folder / 'chdb'}",
            **INIT_ENV,
        },
    )
    try:
        yield LiveServer(server.url, PUBLIC_KEY, SECRET_KEY)
    finally:
        server.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "clickhouse"])
def any_live_server(request: pytest.FixtureRequest) -> LiveServer:
    """`live_server`, then `clickhouse_live_server`: a module's real-server tests on both."""
    name = "live_server" if request.param == "sqlite" else "clickhouse_live_server"
    server: LiveServer = request.getfixturevalue(name)
    return server


@pytest.fixture
def fake_anthropic_url() -> Iterator[str]:
    """A local Anthropic-compatible Messages API (tests/fake_anthropic.py), its script reset;
    yields the base URL (host only, as a provider's `base_url` and the SDK take it)."""
    from tests import fake_anthropic

    fake_anthropic.SCRIPT.reset()
    with fake_anthropic.fake_anthropic() as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest first, for `make test`'s one-file-per-worker distribution (`--dist loadfile
    --no-loadscope-reorder` keeps this order): the files marked `slow` (browsers, real server
    processes) lead, then the rest by number of tests, so no long file starts last and leaves
    one worker running it alone at the end. A file's tests keep their order."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(path: str) -> tuple[bool, int, str]:
        tests = files[path]
        return (not any(t.get_closest_marker("slow") for t in tests), -len(tests), path)

    items[:] = [item for path in sorted(files, key=weight) for item in files[path]]
