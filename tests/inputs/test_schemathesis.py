"""Schemathesis over the whole `/openapi.json` against a real server on SQLite and on
PostgreSQL, authenticated: no operation answers a server error or a body its declared response
schema does not allow. Bounded (deterministic, a few examples per operation) to stay a small
part of `make test`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    INIT_ENV,
    PUBLIC_KEY,
    SECRET_KEY,
    make_settings,
)
from tests.server import ServerProcess, start_server

pytestmark = pytest.mark.slow

#: Examples per operation in the fuzzing phase: 154 operations x this, on each database.
EXAMPLES = 8


@pytest.fixture
def server(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    env = {
        **INIT_ENV,
        "TRACEHOUSE_RATE_LIMIT_ENABLED": "false",
    }
    if db_kind == "postgres":  # the session's database, emptied
        env["TRACEHOUSE_DATABASE_URL"] = str(make_settings(db_kind, tmp_path, request).database_url)
    process = start_server(tmp_path / "data", env=env)
    try:
        yield process
    finally:
        process.stop()


def _credentials(base: str) -> list[str]:
    """A login token (management and data plane) and the project the data plane acts on."""
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    project = httpx.get(f"{base}/api/public/projects", auth=(PUBLIC_KEY, SECRET_KEY))
    return [
        f"Authorization: Bearer {login.json()['token']}",
        f"X-Project-ID: {project.json()['data'][0]['id']}",
    ]


def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    server: ServerProcess, tmp_path: Path
) -> None:
    headers = [arg for header in _credentials(server.url) for arg in ("-H", header)]
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server.url}/openapi.json",
        *headers,
        "--exclude-path",
        "/api/v1/auth/logout",  # would end the run's own login
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",  # the same cases every run, and no example database
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        "--output-truncate",
        "true",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
