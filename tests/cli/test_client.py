"""Where `--host` / `TRACEHOUSE_HOST` point the data commands."""

from __future__ import annotations

import pytest

from tracehouse.cli.client import server_url


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        (None, None, "http://127.0.0.1:8000"),
        ("https://traces.example.com/", None, "https://traces.example.com"),
        ("http://10.0.0.5:9000", "1234", "http://10.0.0.5:9000"),
        ("traces.internal", None, "http://traces.internal:8000"),
        ("traces.internal:9000", "1234", "http://traces.internal:9000"),
        ("localhost", "9100", "http://localhost:9100"),
        ("0.0.0.0", "9100", "http://127.0.0.1:9100"),
        ("::", None, "http://[::1]:8000"),
        ("::1", None, "http://[::1]:8000"),
        ("[::1]:9000", None, "http://[::1]:9000"),
    ],
)
def test_server_url(
    host: str | None, port: str | None, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if port is None:
        monkeypatch.delenv("TRACEHOUSE_PORT", raising=False)
    else:
        monkeypatch.setenv("TRACEHOUSE_PORT", port)
    assert server_url(host) == url
