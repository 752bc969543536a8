"""Stand-ins the alert tests start on loopback: a webhook receiver (any path; answers with the
statuses queued for it, then 200) and an SMTP server; and the app with the alert job off, so
tests evaluate on demand."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller
from tests.conftest import Harness, make_settings, start


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    with socket.socket() as probe:  # the controller checks readiness on the port it is given
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
async def ah(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, smtp: tuple[int, Mailbox]
) -> AsyncIterator[Harness]:
    """The app (SQLite and PostgreSQL) with the alert job off and quick retries."""
    settings = make_settings(
        db_kind,
        tmp_path,
        request,
        alert_interval_seconds=0,
        alert_retry_seconds=0.01,
        smtp_host="127.0.0.1",
        smtp_port=smtp[0],
        smtp_starttls=False,
    )
    async for harness in start(settings):
        yield harness


def recent(minutes: float = 5) -> str:
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    return at.isoformat().replace("+00:00", "Z")


async def send_traces(
    th: Harness,
    count: int,
    *,
    status: str = "ok",
    auth: dict[str, str] | None = None,
    **fields: Any,
) -> None:
    """`count` traces of a minute ago with the given status (and fields)."""
    for _ in range(count):
        body = {"name": "agent", "status": status, "timestamp": recent(1), **fields}
        answer = await th.client.post("/api/v1/traces", json=body, headers=auth or th.auth)
        assert answer.status_code in (200, 201, 202), answer.text
