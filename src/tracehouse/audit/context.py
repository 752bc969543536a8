"""Who is acting and from where: bound per request (address, user agent, request id), the
actor filled in once the request authenticates; outside a request the actor is `cli`."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Origin:
    """The request (or command) a change comes from. Mutable on purpose: authentication runs
    in a copied context (a thread), and fills in the one object the request bound."""

    actor: str = "cli"
    address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


_ORIGIN: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def current() -> Origin:
    """The bound origin, or a command-line one."""
    return _ORIGIN.get() or Origin()


def bind(origin: Origin) -> None:
    _ORIGIN.set(origin)


def bind_request(scope: Any, request_id: str) -> None:
    """Start a request's origin (the ASGI middleware calls this)."""
    headers = dict(scope.get("headers") or ())
    client = scope.get("client")
    agent = headers.get(b"user-agent", b"").decode("latin-1")[:500] or None
    bind(Origin("anonymous", client[0] if client else None, agent, request_id))


def set_actor(*, key: Any = None, user: Any = None, email: str | None = None) -> None:
    """Name the actor: a key by its display prefix, a user by e-mail."""
    origin = _ORIGIN.get()
    if origin is None:
        return
    if key is not None:
        origin.actor = f"key:{key['secret_prefix']}"
    elif user is not None or email is not None:
        origin.actor = f"user:{email or user['email']}"
