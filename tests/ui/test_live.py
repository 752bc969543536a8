"""`/ws` against real server processes: authentication, project scoping, ping/pong, and delivery
from one PostgreSQL server process to subscribers on another (LISTEN/NOTIFY)."""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    INIT_ENV,
    SECRET_KEY,
    LiveServer,
    _truncate,
)
from tests.server import ServerProcess, start_server
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.slow
ENV = {
    **INIT_ENV,
}


def _ws_url(base: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return base.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else "")


@contextlib.contextmanager
def _open(url: str, headers: dict[str, str] | None = None) -> Iterator[ClientConnection]:
    with connect(url, additional_headers=headers or {}, open_timeout=10) as ws:
        ready = orjson.loads(ws.recv(timeout=10))
        assert ready["type"] == "ready"
        yield ws


def _next_event(ws: ClientConnection, trace_id: str | None = None) -> dict[str, Any]:
    """The next trace event (of `trace_id`, when given: other tests share the server)."""
    while True:
        message = orjson.loads(ws.recv(timeout=15))
        if message["type"] != "pong" and trace_id in (None, message.get("trace_id")):
            return dict(message)


def _send_trace(base: str, headers: dict[str, str], trace_id: str, **fields: Any) -> None:
    response = httpx.post(
        f"{base}/api/v1/traces", json={"id": trace_id, **fields}, headers=headers, timeout=10
    )
    assert response.status_code == 201, response.text


def _close_code(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with connect(url, additional_headers=headers or {}, open_timeout=10) as ws:
            ws.recv(timeout=10)
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return exc.rcvd.code
    except InvalidStatus as exc:  # closed before the handshake completed: a 403 answer
        return exc.response.status_code
    raise AssertionError("the socket stayed open")


def test_events_reach_a_key_subscriber_with_created_then_updated(live_server: LiveServer) -> None:
    trace_id = f"ws-{uuid.uuid4().hex}"
    with _open(_ws_url(live_server.url), live_server.auth) as ws:
        ws.send(orjson.dumps({"type": "ping", "id": 7}).decode())
        assert orjson.loads(ws.recv(timeout=10)) == {"type": "pong", "id": 7}
        _send_trace(live_server.url, live_server.auth, trace_id, name="first")
        created = _next_event(ws, trace_id)
        assert created["type"] == "trace.created"
        assert created["trace_id"] == trace_id
        assert created["project_id"]
        _send_trace(live_server.url, live_server.auth, trace_id, output="done")
        updated = _next_event(ws, trace_id)
        assert (updated["type"], updated["trace_id"]) == ("trace.updated", trace_id)


def test_the_socket_refuses_missing_wrong_and_foreign_credentials(live_server: LiveServer) -> None:
    assert _close_code(_ws_url(live_server.url)) == 4401
    wrong = {"Authorization": "Bearer sk-th-not-a-key"}
    assert _close_code(_ws_url(live_server.url), wrong) == 4401
    cookie = {"Cookie": "th_session=tht_forged"}
    assert _close_code(_ws_url(live_server.url, project_id="x"), cookie) == 4401


def _basic(public_key: str, secret_key: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
    }


def _project_of_key(base: str) -> str:
    """The id of the live key's project, as its `ready` message names it."""
    with connect(_ws_url(base, key=SECRET_KEY), open_timeout=10) as ws:
        return str(orjson.loads(ws.recv(timeout=10))["project_id"])


def test_basic_credentials_with_another_public_key_are_refused_as_on_http(
    live_server: LiveServer,
) -> None:
    mismatched = _basic("pk-th-someone-else", live_server.secret_key)
    traces = httpx.get(f"{live_server.url}/api/v1/traces", headers=mismatched, timeout=10)
    assert traces.status_code == 401
    assert _close_code(_ws_url(live_server.url), mismatched) == 4401
    trace_id = f"ws-basic-{uuid.uuid4().hex}"
    with _open(
        _ws_url(live_server.url), _basic(live_server.public_key, live_server.secret_key)
    ) as ws:
        _send_trace(live_server.url, live_server.auth, trace_id)
        assert _next_event(ws, trace_id)["type"] == "trace.created"


def test_a_subscriber_sees_only_its_own_project(live_server: LiveServer) -> None:
    admin = _admin_headers(live_server.url)
    created = httpx.post(
        f"{live_server.url}/api/v1/projects",
        json={"name": f"other-{uuid.uuid4().hex[:6]}"},
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    other_key = {"Authorization": f"Bearer {created.json()['api_key']['secret_key']}"}
    mine, theirs = f"ws-mine-{uuid.uuid4().hex}", f"ws-theirs-{uuid.uuid4().hex}"
    with _open(_ws_url(live_server.url, key=live_server.secret_key)) as ws:  # key in the query
        _send_trace(live_server.url, other_key, theirs)
        _send_trace(live_server.url, live_server.auth, mine)
        event = _next_event(ws)
        while event["trace_id"] != mine:  # other tests of this server may write too
            assert event["trace_id"] != theirs
            event = _next_event(ws)


def test_a_login_session_subscribes_with_its_cookie(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        form = client.get("/ui/login")
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/ui/login",
            data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token},
        )
        session = client.cookies["th_session"]
        project_id = client.get("/ui/").headers["location"].split("/")[3]
    cookie = {"Cookie": f"th_session={session}"}
    assert _close_code(_ws_url(live_server.url, project_id="nope"), cookie) == 4404
    foreign = {**cookie, "Origin": "http://evil.example"}
    assert _close_code(_ws_url(live_server.url, project_id=project_id), foreign) == 4401
    trace_id = f"ws-cookie-{uuid.uuid4().hex}"
    with _open(_ws_url(live_server.url, project_id=project_id), cookie) as ws:
        _send_trace(live_server.url, live_server.auth, trace_id)
        event = _next_event(ws, trace_id)
        assert event["project_id"] == project_id


def test_a_login_token_http_accepts_as_bearer_subscribes_too(live_server: LiveServer) -> None:
    token = _admin_headers(live_server.url)
    project_id = _project_of_key(live_server.url)
    listed = httpx.get(
        f"{live_server.url}/api/v1/traces",
        headers={**token, "X-Project-ID": project_id},
        timeout=10,
    )
    assert listed.status_code == 200, listed.text
    assert _close_code(_ws_url(live_server.url, project_id="nope"), token) == 4404
    trace_id = f"ws-token-{uuid.uuid4().hex}"
    with _open(_ws_url(live_server.url, project_id=project_id), token) as ws:
        _send_trace(live_server.url, live_server.auth, trace_id)
        event = _next_event(ws, trace_id)
        assert (event["type"], event["project_id"]) == ("trace.created", project_id)


BIG_BATCH = 1_500  # more traces than a subscriber may have waiting (MAX_BEHIND)


def _send_many_traces(base: str, headers: dict[str, str], trace_ids: list[str]) -> None:
    """One Langfuse ingestion request: one batch, one commit group."""
    batch = [
        {
            "id": f"event-{trace_id}",
            "type": "trace-create",
            "timestamp": "2026-01-01T00:00:00Z",
            "body": {"id": trace_id, "name": "bulk"},
        }
        for trace_id in trace_ids
    ]
    response = httpx.post(
        f"{base}/api/public/ingestion", json={"batch": batch}, headers=headers, timeout=60
    )
    assert response.status_code == 207, response.text
    assert not response.json()["errors"]


def _created_ids(ws: ClientConnection, wanted: set[str]) -> set[str]:
    """Read events until every wanted trace was announced as created (or the socket closes)."""
    seen: set[str] = set()
    while not wanted <= seen:
        message = orjson.loads(ws.recv(timeout=30))
        if message["type"] == "trace.created" and message["trace_id"] in wanted:
            seen.add(message["trace_id"])
    return seen


def test_one_batch_of_more_traces_than_the_queue_holds_reaches_a_subscriber(
    live_server: LiveServer,
) -> None:
    trace_ids = [f"ws-bulk-{uuid.uuid4().hex}-{i}" for i in range(BIG_BATCH)]
    with _open(_ws_url(live_server.url), live_server.auth) as ws:
        _send_many_traces(live_server.url, live_server.auth, trace_ids)
        assert _created_ids(ws, set(trace_ids)) == set(trace_ids)
        ws.send(orjson.dumps({"type": "ping", "id": "still-there"}).decode())
        assert _next_pong(ws) == "still-there"


def _next_pong(ws: ClientConnection) -> object:
    while True:
        message = orjson.loads(ws.recv(timeout=10))
        if message["type"] == "pong":
            return message["id"]


def _admin_headers(base: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def two_postgres_servers(postgres_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Two independent `tracehouse serve` processes on one PostgreSQL database."""
    _truncate(postgres_url)
    env = {**ENV, "TRACEHOUSE_DATABASE_URL": postgres_url, "TRACEHOUSE_OTLP_WORKERS": "0"}
    servers: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            servers.append(start_server(tmp_path / name / "data", env=env))
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.mark.postgres
def test_an_event_written_by_one_process_reaches_subscribers_of_both(
    two_postgres_servers: list[ServerProcess],
) -> None:
    a, b = two_postgres_servers
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    trace_id = f"ws-pg-{uuid.uuid4().hex}"
    with _open(_ws_url(a.url), auth) as on_a, _open(_ws_url(b.url), auth) as on_b:
        _send_trace(a.url, auth, trace_id, name="from a")
        for ws in (on_a, on_b):
            event = _next_event(ws)
            assert (event["type"], event["trace_id"]) == ("trace.created", trace_id)
        _send_trace(b.url, auth, trace_id, output="from b")
        for ws in (on_a, on_b):
            event = _next_event(ws)
            assert (event["type"], event["trace_id"]) == ("trace.updated", trace_id)


@pytest.mark.postgres
def test_one_batch_of_many_traces_reaches_subscribers_of_every_process(
    two_postgres_servers: list[ServerProcess],
) -> None:
    a, b = two_postgres_servers
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    trace_ids = [f"ws-pg-bulk-{uuid.uuid4().hex}-{i}" for i in range(BIG_BATCH)]
    with _open(_ws_url(a.url), auth) as on_a, _open(_ws_url(b.url), auth) as on_b:
        _send_many_traces(a.url, auth, trace_ids)  # many NOTIFY payloads, one group
        for ws in (on_a, on_b):
            assert _created_ids(ws, set(trace_ids)) == set(trace_ids)
            ws.send(orjson.dumps({"type": "ping", "id": 1}).decode())
            assert _next_pong(ws) == 1
