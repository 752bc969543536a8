"""ASGI middleware: request ids, the body-size limit, gzip/deflate request bodies on the native
API, and rate-limit headers on every response."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracehouse.audit import context as audit_context
from tracehouse.errors import PayloadTooLarge, TracehouseError
from tracehouse.http.errors import LANGFUSE_PREFIX
from tracehouse.http.responses import JSONResponse, error_body
from tracehouse.otlp.decode import decompress

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")
EMBED_PATH = "/embed/"
_INFLATED_PATHS = ("/api/v1/", "/api/public/")
_OTLP_PATHS = "/api/public/otel/"  # OTLP routes undo Content-Encoding themselves


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
        audit_context.bind_request(scope, request_id)
        try:
            scope, receive = await self._bounded(scope, receive)
        except TracehouseError as error:
            await refuse(scope, error, request_id)(scope, receive, self._with_headers(scope, send))
            return
        await self.app(scope, receive, self._with_headers(scope, send))

    async def _bounded(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        """The request with its body capped: refused by its Content-Length, read here when it
        has none (chunked: the limit then applies as it arrives) or is to be inflated."""
        length = _content_length(scope)
        if length is not None and length > self.max_body_bytes:
            raise PayloadTooLarge(
                f"Request body is {length} bytes; the limit is {self.max_body_bytes}.",
                {"limit_bytes": self.max_body_bytes},
            )
        receive = self._capped(receive)
        encoding = _header(scope, b"content-encoding")
        inflate = encoding is not None and _inflated_here(scope.get("path", ""))
        if length is not None and not inflate:
            return scope, receive
        body = await _read(receive)
        if inflate:
            body = decompress(body, encoding, self.max_body_bytes)
            scope = {**scope, "headers": _without(scope, {b"content-encoding", b"content-length"})}
        return scope, _replay(body, receive)

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
                extra = {"X-Request-ID": state["request_id"], **_frame_headers(scope)}
                extra.update(state.get("rate_headers") or self.anonymous_headers(scope))
                for name, value in extra.items():
                    if name.lower().encode() not in names:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


def _inflated_here(path: str) -> bool:
    return path.startswith(_INFLATED_PATHS) and not path.startswith(_OTLP_PATHS)


def refuse(scope: Scope, error: TracehouseError, request_id: str | None) -> JSONResponse:
    """The error envelope for a request refused before routing (Langfuse's `message` too)."""
    body = error_body(error.code, error.message, error.details, request_id)
    if scope.get("path", "").startswith(LANGFUSE_PREFIX):
        body["message"] = error.message
    return JSONResponse(body, error.status, headers=error.headers or None)


def _frame_headers(scope: Scope) -> dict[str, str]:
    """Only the tape player (`/embed/…`) may be framed, by any site; nothing else may be."""
    if scope.get("path", "").startswith(EMBED_PATH):
        return {"Content-Security-Policy": "frame-ancestors *"}
    return {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on `body` (already read), then waits like the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            found: str = value.decode("latin-1")
            return found
    return None


def _without(scope: Scope, names: set[bytes]) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in scope.get("headers", []) if name not in names]


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
