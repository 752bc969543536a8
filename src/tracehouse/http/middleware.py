"""ASGI middleware: request ids, the body-size limit, and rate-limit headers on every response."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracehouse.errors import PayloadTooLarge
from tracehouse.http.responses import error_response

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")


class RequestContext:
    """Sets `scope["state"]["request_id"]`, caps the body size, and adds the common headers.

    Routes that authenticate put their rate-limit decision in `state["rate_headers"]`; for other
    responses the headers of the caller's anonymous (per address) bucket are sent.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, anonymous_headers: Any):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.anonymous_headers = anonymous_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = _request_id(scope)
        state["request_id"] = request_id
        length = _content_length(scope)
        if length is not None and length > self.max_body_bytes:
            response = error_response(
                413,
                PayloadTooLarge.code,
                f"Request body is {length} bytes; the limit is {self.max_body_bytes}.",
                {"limit_bytes": self.max_body_bytes},
                request_id,
                headers={"X-Request-ID": request_id},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, self._capped(receive), self._with_headers(scope, send))

    def _capped(self, receive: Receive) -> Receive:
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise PayloadTooLarge(
                    f"Request body exceeds the limit of {self.max_body_bytes} bytes.",
                    {"limit_bytes": self.max_body_bytes},
                )
            return message

        return capped

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        state = scope["state"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {"X-Request-ID": state["request_id"]}
                extra.update(state.get("rate_headers") or self.anonymous_headers(scope))
                for name, value in extra.items():
                    if name.lower().encode() not in names:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
