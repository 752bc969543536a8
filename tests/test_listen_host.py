"""The server's listen address (`TRACEHOUSE_LISTEN_HOST`, `serve --host`) and the clients' server
URL (`TRACEHOUSE_BASE_URL`, `TRACEHOUSE_HOST`) are separate settings."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.conftest import PUBLIC_KEY, SECRET_KEY
from tests.server import start_server

from tracehouse.config import Settings, is_interface
from tracehouse.sdk._config import connection

VARIABLES = ("TRACEHOUSE_HOST", "TRACEHOUSE_LISTEN_HOST", "TRACEHOUSE_BASE_URL")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("env", "listen"),
    [
        ({}, "127.0.0.1"),
        ({"TRACEHOUSE_LISTEN_HOST": "0.0.0.0"}, "0.0.0.0"),
        ({"TRACEHOUSE_HOST": "https://traces.example.com"}, "127.0.0.1"),  # a client URL
        ({"TRACEHOUSE_HOST": "traces.internal:9000"}, "127.0.0.1"),  # a client host:port
        ({"TRACEHOUSE_HOST": "0.0.0.0"}, "0.0.0.0"),  # the old way to set the listen address
        ({"TRACEHOUSE_HOST": "::"}, "::"),
        ({"TRACEHOUSE_HOST": "0.0.0.0", "TRACEHOUSE_LISTEN_HOST": "10.0.0.5"}, "10.0.0.5"),
    ],
)
def test_the_listen_address(
    env: dict[str, str], listen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().listen_host == listen


def test_the_old_variable_as_listen_address_logs_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TRACEHOUSE_HOST", "0.0.0.0")
    with caplog.at_level(logging.WARNING, logger="tracehouse.config"):
        Settings()
    assert "TRACEHOUSE_LISTEN_HOST" in caplog.text
    caplog.clear()
    monkeypatch.setenv("TRACEHOUSE_HOST", "http://127.0.0.1:8000")
    with caplog.at_level(logging.WARNING, logger="tracehouse.config"):
        Settings()
    assert caplog.text == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0.0.0", True),
        ("::", True),
        ("[::1]", True),
        ("localhost", True),
        ("http://x", False),
        ("x:80", False),
        ("[::1]:80", False),
        ("", False),
    ],
)
def test_is_interface(value: str, expected: bool) -> None:
    assert is_interface(value) is expected


def test_the_sdk_prefers_base_url_over_host(monkeypatch: pytest.MonkeyPatch) -> None:
    assert connection(None, None, None)[0] == "http://127.0.0.1:8000"
    monkeypatch.setenv("TRACEHOUSE_HOST", "http://old.example:1")
    assert connection(None, None, None)[0] == "http://old.example:1"
    monkeypatch.setenv("TRACEHOUSE_BASE_URL", "https://new.example/")
    assert connection(None, None, None)[0] == "https://new.example"
    assert connection("http://arg.example", None, None)[0] == "http://arg.example"


def test_a_server_and_its_clients_share_one_shell(tmp_path: Path) -> None:
    """With the client URL in TRACEHOUSE_HOST, `serve` still listens (it used to try to bind the
    URL), and the SDK and CLI from the same environment reach it."""
    env = {
        "TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY,
        "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY,
        "TRACEHOUSE_HOST": "http://127.0.0.1:9",  # wrong on purpose: BASE_URL must win
    }
    server = start_server(tmp_path / "data", env=env)
    try:
        clients = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")},
            **env,
            "TRACEHOUSE_BASE_URL": server.url,
            "TRACEHOUSE_API_KEY": SECRET_KEY,
        }
        script = (
            "from tracehouse import sdk\nwith sdk.span('shared-shell'):\n    pass\nsdk.flush()\n"
        )
        sent = subprocess.run(
            [sys.executable, "-c", script], env=clients, capture_output=True, text=True, timeout=60
        )
        assert sent.returncode == 0, sent.stderr
        cli = Path(sys.executable).parent / "tracehouse"
        listed = subprocess.run(
            [str(cli), "traces", "list", "--name", "shared-shell", "--json"],
            env=clients,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        assert "shared-shell" in listed.stdout
        found = httpx.get(
            f"{server.url}/api/v1/traces",
            params={"name": "shared-shell"},
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )
        assert found.json()["meta"]["total_count"] == 1
    finally:
        server.stop()
