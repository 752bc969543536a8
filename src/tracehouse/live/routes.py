"""`/ws`: the live event stream of one project (protocol in docs/ui.md).

Authenticated by an API key (Authorization / X-API-Key headers, or `?key=` for clients that
cannot set headers) or by the web UI's login cookie; a login session or an organization key
names its project with `?project_id=`. Messages are JSON: the server sends `{"type": "ready"}`,
then `trace.created` / `trace.updated` events; the client may send `{"type": "ping"}` at any time
and gets `{"type": "pong"}`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from tracehouse.errors import TracehouseError, Unauthorized
from tracehouse.http.auth import Credential, Principal, ProjectScope, credential
from tracehouse.keys import service as keys
from tracehouse.live.broker import Broker
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime
from tracehouse.ui.session import find_viewer

router = APIRouter()
#: Close codes: 4401 not authenticated, 4404 no such project (or not yours).
UNAUTHORIZED, NOT_FOUND = 4401, 4404


def _key_scope(rt: Runtime, cred: Credential, project_id: str | None) -> ProjectScope:
    with rt.db.reader.connect() as conn:
        key = keys.authenticate(conn, cred.secret)
        if key is None:
            raise Unauthorized("Invalid or revoked API key.")
        if key["project_rowid"] is not None:
            project = project_store.find_project(conn, project_rowid=key["project_rowid"])
        else:
            project = project_store.find_project(conn, project_id=project_id or "")
            if project is None or project["org_rowid"] != key["org_rowid"]:
                raise LookupError(project_id)
    return _scope(project, Principal(key=key))


def _scope(project: Any, principal: Principal) -> ProjectScope:
    return ProjectScope(
        project_rowid=project["project_rowid"],
        project_id=project["id"],
        org_rowid=project["org_rowid"],
        access="read",
        is_test=False,
        principal=principal,
    )


def resolve(rt: Runtime, ws: WebSocket) -> ProjectScope:
    """The project the socket subscribes to; Unauthorized or LookupError otherwise."""
    project_id = ws.query_params.get("project_id")
    query_key = ws.query_params.get("key")
    cred = Credential(query_key) if query_key else credential(ws)  # type: ignore[arg-type]
    if cred is not None:
        return _key_scope(rt, cred, project_id)
    if not _same_origin(ws):
        raise Unauthorized("A login session subscribes only from the UI's own pages.")
    who = find_viewer(rt, ws)
    if who is None:
        raise Unauthorized("Send an API key or log in.")
    try:
        return _scope(who.project(project_id or ""), Principal(user=who.user))
    except TracehouseError as exc:
        raise LookupError(project_id) from exc


def _same_origin(ws: WebSocket) -> bool:
    """Browsers send cookies with cross-site WebSocket handshakes too: check the Origin."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


@router.websocket("/ws")
async def stream(ws: WebSocket) -> None:
    rt: Runtime = ws.app.state.runtime
    try:
        scope = await asyncio.to_thread(resolve, rt, ws)
    except Unauthorized:
        await ws.close(code=UNAUTHORIZED, reason="unauthorized")
        return
    except LookupError:
        await ws.close(code=NOT_FOUND, reason="project not found")
        return
    await ws.accept()
    broker: Broker = rt.broker
    queue = broker.subscribe(scope.project_rowid)
    try:
        await _send(ws, {"type": "ready", "project_id": scope.project_id})
        await _pump(ws, queue, scope.project_id)
    except WebSocketDisconnect:
        pass
    finally:
        broker.unsubscribe(scope.project_rowid, queue)


async def _pump(ws: WebSocket, queue: asyncio.Queue[dict[str, Any] | None], project: str) -> None:
    """Forward events and answer pings until either side ends."""
    receiving = asyncio.create_task(_answer_pings(ws))
    try:
        while True:
            getting = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getting, receiving}, return_when=asyncio.FIRST_COMPLETED)
            if receiving in done:
                getting.cancel()
                return
            event = getting.result()
            if event is None:  # the server is stopping, or this client fell too far behind
                await ws.close(code=1012)
                return
            await _send(ws, {**event, "project_id": project})
    finally:
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await receiving


async def _answer_pings(ws: WebSocket) -> None:
    while True:
        text = await ws.receive_text()
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            message = {}
        if isinstance(message, dict) and message.get("type") == "ping":
            await _send(ws, {"type": "pong", "id": message.get("id")})
        else:
            await _send(ws, {"type": "error", "message": 'Send {"type": "ping"} or nothing.'})


async def _send(ws: WebSocket, message: dict[str, Any]) -> None:
    await ws.send_text(orjson.dumps(message).decode())
