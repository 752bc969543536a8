"""docs/ui.md stays true: its pictures exist and its /ws messages have the shapes a real server
sends."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import orjson
import pytest
from tests.conftest import LiveServer
from tests.ui.test_live import _next_event, _send_trace, _ws_url
from websockets.sync.client import connect

DOC = Path(__file__).resolve().parents[2] / "docs" / "ui.md"


def _server_messages() -> list[dict[str, object]]:
    block = DOC.read_text().split("**Messages from the server**", 1)[1].split("```json", 1)[1]
    return [orjson.loads(line) for line in block.split("```", 1)[0].strip().splitlines()]


def test_every_picture_in_the_page_exists() -> None:
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", DOC.read_text())
    assert len(pictures) >= 3
    for picture in pictures:
        assert (DOC.parent / picture).stat().st_size > 10_000, picture


@pytest.mark.slow
def test_the_documented_messages_are_what_the_server_sends(live_server: LiveServer) -> None:
    documented = {str(m["type"]): set(m) for m in _server_messages()}
    trace_id = f"doc-{uuid.uuid4().hex}"
    seen: dict[str, set[str]] = {}
    with connect(_ws_url(live_server.url), additional_headers=live_server.auth) as ws:
        ready = orjson.loads(ws.recv(timeout=10))
        seen[ready["type"]] = set(ready)
        ws.send('{"type": "ping", "id": 7}')
        pong = orjson.loads(ws.recv(timeout=10))
        seen[pong["type"]] = set(pong)
        _send_trace(live_server.url, live_server.auth, trace_id)
        _send_trace(live_server.url, live_server.auth, trace_id, output="done")
        for _ in range(2):
            event = _next_event(ws, trace_id)
            seen[str(event["type"])] = set(event)
    assert seen == documented
