"""Security at rest and in logs: private data files, init secrets and key prefixes, where the
encryption key lives, the `Secure` cookie setting, credentials redacted from log lines and
the access log."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY, Harness, make_settings, start
from tests.ui.conftest import csrf_of

from tracehouse.config import Settings
from tracehouse.http.logs import RedactCredentials, redact
from tracehouse.providers import secrets
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

pytestmark = pytest.mark.anyio


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_directory_and_database_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files readable by everyone
    try:
        settings = Settings(data_dir=tmp_path / "new" / "data")
        upgrade(settings)
        db = open_database(settings)
        with db.writer.begin() as conn:
            conn.execute(text("SELECT 1"))
            data = settings.data_dir
            assert mode(data) == 0o700
            assert mode(data / "tracehouse.db") == 0o600
            assert mode(data / "tracehouse.db-wal") == 0o600
            assert mode(data / "tracehouse.db-shm") == 0o600
        secrets.server_secret(settings, db.writer)
        assert mode(data / secrets.SECRET_FILE) == 0o600
        db.dispose()
    finally:
        os.umask(old)


def test_existing_files_open_to_others_are_tightened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    upgrade(settings)
    data = settings.data_dir
    os.chmod(data, 0o755)
    os.chmod(data / "tracehouse.db", 0o644)
    open_database(settings).dispose()
    assert mode(data) == 0o700 and mode(data / "tracehouse.db") == 0o600


def test_init_secret_key_needs_32_characters() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(init_secret_key="sk-m")
    assert Settings(init_secret_key="x" * 32).init_secret_key == "x" * 32


async def test_listed_key_prefix_is_a_small_part_of_the_secret(th: Harness) -> None:
    token = await th.admin_token()
    projects = (await th.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    keys = (await th.client.get(f"/api/v1/projects/{main['id']}/keys", headers=token)).json()
    prefix = keys["data"][0]["prefix"]
    assert SECRET_KEY.startswith(prefix) and len(prefix) == len(SECRET_KEY) // 4
    engine = create_engine(th.settings.resolved_database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_prefix FROM api_keys")).scalars().all()
    engine.dispose()
    assert all(len(p) <= 12 for p in stored)


def test_secret_key_file_keeps_the_encryption_key_apart(tmp_path: Path) -> None:
    default = Settings(data_dir=tmp_path / "data")
    assert secrets.beside_database(default) == str(tmp_path / "data" / secrets.SECRET_FILE)
    apart = Settings(data_dir=tmp_path / "data", secret_key_file=tmp_path / "keys" / "th.key")
    assert secrets.beside_database(apart) is None
    db = open_database(apart)
    made = secrets.server_secret(apart, db.writer)
    db.dispose()
    key_file = tmp_path / "keys" / "th.key"
    assert key_file.read_text() == made and mode(key_file) == 0o600
    assert not (tmp_path / "data" / secrets.SECRET_FILE).exists()
    inside = Settings(data_dir=tmp_path / "data", secret_key_file=tmp_path / "data" / "k")
    assert secrets.beside_database(inside) == str(tmp_path / "data" / "k")
    assert secrets.beside_database(Settings(secret_key="from-the-environment")) is None
    on_postgres = Settings(database_url="postgresql://db/th")
    assert "server_settings" in str(secrets.beside_database(on_postgres))


async def test_cookie_secure_setting_forces_the_flag(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async for th in start(make_settings("sqlite", tmp_path, request, cookie_secure=True)):
        form = await th.client.get("/ui/login")
        assert "secure" in form.headers["set-cookie"].lower()
        csrf = csrf_of(form.text)
        # over plain HTTP the client keeps the Secure cookie to itself: send it by hand
        logged_in = await th.client.post(
            "/ui/login",
            data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf},
            headers={"Cookie": f"th_login_csrf={csrf}"},
        )
        assert logged_in.status_code == 303, logged_in.text
        session = logged_in.headers["set-cookie"].lower()
        assert session.startswith("th_session=") and "; secure" in session


async def test_cookies_over_plain_http_are_not_secure_by_default(th: Harness) -> None:
    form = await th.client.get("/ui/login")
    assert "secure" not in form.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("line", "leaked"),
    [
        (
            '127.0.0.1:5000 - "WebSocket /ws?key=sk-lf-123456&project_id=p" [accepted]',
            "sk-lf-123456",
        ),
        ("GET /x?token=abc.def&api_key=k9", "abc.def"),
        ("GET /x?token=abc.def&api_key=k9", "k9"),
        ("headers: [(b'authorization', b'Bearer zz-secret-token')]", "zz-secret-token"),
        ("{'x-api-key': 'plain-secret-value'}", "plain-secret-value"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ("connecting to postgresql://app:hunter2@db:5432/th", "hunter2"),
        ("bad key sk-th-live-AbCdEf_123-xyz seen", "AbCdEf_123-xyz"),
        ("token tht_Zm9vYmFy was used", "Zm9vYmFy"),
    ],
)
def test_redact_hides_credentials(line: str, leaked: str) -> None:
    cleaned = redact(line)
    assert leaked not in cleaned and "[redacted]" in cleaned


def test_redact_keeps_other_text() -> None:
    line = "GET /api/v1/traces?monkey=1&sort_key=name 200"
    assert redact(line) == line


def test_filter_redacts_arguments_and_whole_messages() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" 403',
        ("127.0.0.1:1", "/ws?key=sk-secret-1"), None,
    )  # fmt: skip
    RedactCredentials().filter(record)
    assert record.getMessage() == '127.0.0.1:1 - "WebSocket /ws?key=[redacted]" 403'
    scope = {"headers": [(b"x-api-key", b"sk-secret-2")]}
    record = logging.LogRecord("uvicorn.asgi", 5, __file__, 1, "scope=%s", (scope,), None)
    record.__dict__["color_message"] = "scope=%s"
    RedactCredentials().filter(record)
    assert "sk-secret-2" not in record.getMessage() and "color_message" not in record.__dict__


async def test_access_log_records_requests_without_query(
    th: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tracehouse.access"):
        response = await th.client.get(
            "/api/v1/traces", params={"limit": 2}, headers={**th.auth, "X-Request-ID": "r-1"}
        )
        await th.client.get("/api/v1/nothing-here")
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "tracehouse.access"]
    assert lines[0].startswith("GET /api/v1/traces 200 ") and lines[0].endswith("request_id=r-1")
    assert lines[1].startswith("GET /api/v1/nothing-here 404 ")
    assert all("limit" not in line and SECRET_KEY not in line for line in lines)
