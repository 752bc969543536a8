"""The bell's feed: a mention reaches the mentioned person's `/ws` at once, with their unread
count, and nobody else's (not another member's, not a key's); on PostgreSQL from one server
process to a subscriber on another (LISTEN/NOTIFY)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY, LiveServer
from tests.server import ServerProcess
from tests.ui.test_live import _open, _ws_url, two_postgres_servers
from websockets.sync.client import ClientConnection

pytestmark = pytest.mark.slow
__all__ = ["two_postgres_servers"]  # the fixture, used below
KEY = {"Authorization": f"Bearer {SECRET_KEY}"}


def _login(base: str, email: str, password: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _people(base: str) -> tuple[str, dict[str, str], dict[str, str], dict[str, str]]:
    """The project id, and login tokens of the admin and two new members (ann, bob)."""
    admin = _login(base, ADMIN_EMAIL, ADMIN_PASSWORD)
    project_id = httpx.get(f"{base}/api/v1/projects", headers=admin).json()["data"][0]["id"]
    org_id = httpx.get(f"{base}/api/v1/organizations", headers=admin).json()["data"][0]["id"]
    tokens = []
    for name in ("ann", "bob"):
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": "longenough", "orgId": org_id, "role": "member"}
        assert httpx.post(f"{base}/api/v1/users", json=body, headers=admin).status_code == 201
        tokens.append({**_login(base, email, "longenough"), "X-Email": email})
    return project_id, {**admin, "X-Project-ID": project_id}, tokens[0], tokens[1]


def _mention(base: str, admin: dict[str, str], email: str) -> None:
    trace_id = f"bell-{uuid.uuid4().hex}"
    sent = httpx.post(f"{base}/api/v1/traces", json={"id": trace_id}, headers=KEY, timeout=10)
    assert sent.status_code == 201, sent.text
    body = {"traceId": trace_id, "body": f"Look at this, @{email}"}
    created = httpx.post(f"{base}/api/v1/comments", json=body, headers=admin, timeout=10)
    assert created.status_code == 201, created.text


def _next_notification(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message = orjson.loads(ws.recv(timeout=15))
        if message["type"] == "notification.created":
            return dict(message)


def _quiet(ws: ClientConnection) -> bool:
    """No notification arrives within a moment (trace events may)."""
    try:
        while True:
            if orjson.loads(ws.recv(timeout=1.0))["type"] == "notification.created":
                return False
    except TimeoutError:
        return True


def _bell_rises(ws_base: str, http_base: str) -> None:
    project_id, admin, ann, bob = _people(http_base)
    url = _ws_url(ws_base, project_id=project_id)
    auth = {k: v for k, v in ann.items() if k != "X-Email"}
    other = {k: v for k, v in bob.items() if k != "X-Email"}
    with (
        _open(url, auth) as ann_ws,
        _open(url, other) as bob_ws,
        _open(_ws_url(ws_base), KEY) as key_ws,
    ):
        _mention(http_base, admin, ann["X-Email"])
        first = _next_notification(ann_ws)
        assert (first["kind"], first["unread"], first["project_id"]) == ("mention", 1, project_id)
        assert "for_user" not in first and "mentioned you" in first["summary"]
        _mention(http_base, admin, ann["X-Email"])
        assert _next_notification(ann_ws)["unread"] == 2
        assert _quiet(bob_ws) and _quiet(key_ws)


def test_a_mention_rises_the_mentioned_persons_bell_only(live_server: LiveServer) -> None:
    _bell_rises(live_server.url, live_server.url)


@pytest.mark.postgres
def test_a_mention_on_one_process_reaches_the_bell_on_another(
    two_postgres_servers: list[ServerProcess],
) -> None:
    a, b = two_postgres_servers
    _bell_rises(b.url, a.url)
