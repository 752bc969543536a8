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


def _table(title: str) -> str:
    return DOC.read_text().split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _address(route: str) -> str:
    """A UI route as the page table writes it."""
    return route.replace(":path", "").replace("/ui/p/{project_id}", "…")


def test_the_page_table_names_every_page_with_an_existing_picture() -> None:
    from tracehouse.ui import site

    table = _table("Every page")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    addresses = {a for row in rows for a in re.findall(r"`([^`]+)`", row.split(" | ")[1])}
    routes = {
        _address(route.path)
        for router in site.ROUTERS
        for route in router.routes
        if "GET" in (getattr(route, "methods", None) or set())
    }
    assert routes - {"/ui/", "…/media/{media_id}", "…/views/{ref}", "…/traces/{a}/compare"} <= (
        addresses
    )
    for picture in re.findall(r"\(img/pages/([^)]+)\)", table):
        assert (DOC.parent / "img" / "pages" / picture).stat().st_size > 5_000, picture


def test_every_api_resource_is_mapped_to_a_page() -> None:
    """Each `/api/v1/<resource>` of the app has a row: its page, or "API only" and why."""
    from tracehouse import app

    table = _table("Which page does what")
    resources = {
        "/".join(route.path.split("/")[:4])
        for router in app.ROUTERS
        for route in router.routes
        if getattr(route, "path", "").startswith("/api/v1/")
    }
    missing = {r for r in resources if f"{r}`" not in table and f"{r}/" not in table}
    missing = {r for r in missing if not re.search(rf"`[A-Z]+ {re.escape(r)}[` /?]", table)}
    assert not missing, f"API resources without a page (or 'API only') in docs/ui.md: {missing}"
