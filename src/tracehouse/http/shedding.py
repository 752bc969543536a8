"""ASGI middleware that sheds write requests by expected wait (503 + `Retry-After` at once).

Writes (any method but GET, HEAD and OPTIONS, read-only POSTs such as search aside) to the
APIs, logins aside, are counted in and
out; a write that would wait past `write_wait_budget_seconds` is refused before its body is
read, so the server spends nothing on it and the admitted ones keep their pace
(`ingest/admission.py`).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from tracehouse.errors import Unavailable
from tracehouse.http.auth import READ_POSTS
from tracehouse.http.middleware import refuse
from tracehouse.ingest.admission import InFlight

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_API_PREFIXES = ("/api/", "/v1/")
#: Logins have their own bound (the password threads): they neither count here nor are shed.
_LOGIN_PREFIX = "/api/v1/auth/"


def is_write(scope: Scope) -> bool:
    """An API request that changes something (logins aside)."""
    path: str = scope["path"]
    return (
        scope["method"] not in _SAFE_METHODS
        and path.rstrip("/") not in READ_POSTS
        and path.startswith(_API_PREFIXES)
        and not path.startswith(_LOGIN_PREFIX)
    )


class WriteShedding:
    """Admits API writes while their expected wait is within the budget."""

    def __init__(self, app: ASGIApp, *, budget_seconds: float):
        self.app = app
        self.in_flight = InFlight(budget_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_write(scope):
            await self.app(scope, receive, send)
            return
        if not self.in_flight.enter(time.perf_counter()):
            await self._refuse(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight.leave(time.perf_counter())

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait, retry = self.in_flight.expected_wait(), self.in_flight.retry_after()
        error = Unavailable(
            f"The server is busy writing (a write now would wait about {wait:.1f} s); retry in "
            f"{retry} s.",
            {"expected_wait_seconds": round(wait, 2), "retry_after": retry},
            headers={"Retry-After": str(retry)},
        )
        response = refuse(scope, error, scope.get("state", {}).get("request_id"))
        await response(scope, receive, send)
