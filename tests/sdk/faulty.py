"""A misbehaving server for delivery tests: a local HTTP proxy in front of a real
`tracehouse serve` that answers some requests itself (413, 429, 503, with headers) or hangs,
and forwards the rest. It keeps every request it saw (path, time, decompressed body)."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

HANG = -1  # a rule's answer: accept the request and never respond (until the proxy stops)


@dataclass
class Seen:
    path: str
    at: float
    body: bytes


Rule = Callable[[Seen, int], "tuple[int, dict[str, str]] | int | None"]


@dataclass
class Faulty:
    """`rule(request, index)` returns None (forward), a status, (status, headers) or HANG."""

    upstream: str | None
    rule: Rule
    seen: list[Seen] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    url: str = ""


def _handler(faulty: Faulty) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
            seen = Seen(self.path, time.monotonic(), body)
            faulty.seen.append(seen)
            answer = faulty.rule(seen, len(faulty.seen) - 1)
            if answer == HANG:
                faulty.stopping.wait(60)
                return
            if answer is None:
                self._forward(raw)
                return
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            self._reply(status, b'{"error":{"code":"x","message":"fault"}}', headers)

        do_GET = do_POST

        def _forward(self, raw: bytes) -> None:
            assert faulty.upstream is not None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            response = httpx.request(
                self.command, faulty.upstream + self.path, content=raw, headers=headers
            )
            self._reply(response.status_code, response.content, {})

        def _reply(self, status: int, content: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    return Handler


@contextmanager
def faulty_server(upstream: str | None, rule: Rule) -> Iterator[Faulty]:
    faulty = Faulty(upstream, rule)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(faulty))
    server.daemon_threads = True
    faulty.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield faulty
    finally:
        faulty.stopping.set()
        server.shutdown()
        server.server_close()
