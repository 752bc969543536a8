"""`/ws`: the live event stream of one project (protocol in docs/ui.md).

Authenticated like the REST API (http/auth.py: an API key or a login token in Authorization /
X-API-Key, or `?key=` for clients that cannot set headers) or by the web UI's login cookie; a
login or an organization key names its project with `?project_id=`. Messages are JSON: the
server sends `{"type": "ready"}`, then `trace.created` / `trace.updated` events (and
`fork.replayed` when a replay ends; to a logged-in person, `notification.created` with their
`unread` count); the client may
send `{"type": "ping"}` at any time and gets `{"type": "pong"}`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from tracehouse.errors import NotFound, Unauthorized
from tracehouse.http.auth import (
    Principal,
    ProjectScope,
    authenticate,
    credential,
    resolve_project,
    scope_of,
)
from tracehouse.live.broker import Broker, Subscription
from tracehouse.runtime import Runtime
from tracehouse.ui.session import find_viewer

router = APIRouter()
#: Close codes: 4401 not authenticated (or no project named), 4404 no such project (or not
#: yours).
UNAUTHORIZED, NOT_FOUND = 4401, 4404


def resolve(rt: Runtime, ws: WebSocket) -> ProjectScope:
    """The project the socket subscribes to, authenticated as HTTP routes are (plus `?key=`
    and the login cookie); Unauthorized or NotFound otherwise."""
    project_id = ws.query_params.get("project_id")
    principal = authenticate(rt, ws) if credential(ws) is not None else _cookie_login(rt, ws)
    return scope_of(resolve_project(rt, principal, project_id, None), principal)


def _cookie_login(rt: Runtime, ws: WebSocket) -> Principal:
    if not _same_origin(ws):
        raise Unauthorized("A login session subscribes only from the UI's own pages.")
    who = find_viewer(rt, ws)
    if who is None:
        raise Unauthorized("Send an API key or log in.")
    return Principal(user=who.user)


def _same_origin(ws: WebSocket) -> bool:
    """Browsers send cookies with cross-site WebSocket handshakes too: check the Origin."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


@router.websocket("/ws")
async def stream(ws: WebSocket) -> None:
    rt: Runtime = ws.app.state.runtime
    try:
        scope = await asyncio.to_thread(resolve, rt, ws)
    except (Unauthorized, NotFound) as refused:
        # Accepted first: closing before the handshake completes is an HTTP 403 instead, and
        # the client would never see the close code.
        await ws.accept()
        unauthorized = isinstance(refused, Unauthorized)
        await ws.close(
            code=UNAUTHORIZED if unauthorized else NOT_FOUND,
            reason="unauthorized" if unauthorized else "project not found",
        )
        return
    await ws.accept()
    broker: Broker = rt.broker
    subscription = broker.subscribe(scope.project_rowid)
    try:
        await _send(ws, {"type": "ready", "project_id": scope.project_id})
        user = scope.principal.user
        await _pump(ws, subscription, scope.project_id, user["user_rowid"] if user else None)
    except WebSocketDisconnect:
        pass
    finally:
        broker.unsubscribe(scope.project_rowid, subscription)


async def _pump(
    ws: WebSocket, subscription: Subscription, project: str, user_rowid: int | None
) -> None:
    """Forward events (a person's notifications to that person only) and answer pings until
    either side ends."""
    receiving = asyncio.create_task(_answer_pings(ws))
    try:
        while True:
            getting = asyncio.create_task(subscription.get())
            done, _ = await asyncio.wait({getting, receiving}, return_when=asyncio.FIRST_COMPLETED)
            if receiving in done:
                getting.cancel()
                return
            events = getting.result()
            if events is None:  # the server is stopping, or this client fell too far behind
                await ws.close(code=1012)
                return
            for event in events:
                subscription.sent()
                if "for_user" in event:
                    if event["for_user"] != user_rowid:
                        continue
                    event = {k: v for k, v in event.items() if k != "for_user"}
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
