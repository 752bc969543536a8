"""Password hashing with scrypt (standard library), in a self-describing string, and the
bounded thread pool logins check passwords on."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tracehouse.errors import Unavailable

T = TypeVar("T")

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(("scrypt", str(_N), str(_R), str(_P), *encoded))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt_b64),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=32,
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


@functools.cache
def _decoy() -> str:
    """A hash no password matches, with the parameters real ones have: checking a login for
    an unknown e-mail against it takes as long as for a known one."""
    return hash_password(secrets.token_urlsafe(32))


def check(password: str, stored: str | None) -> bool:
    """`verify_password`, doing the same work when there is no stored hash (unknown user)."""
    if stored is None:
        verify_password(password, _decoy())
        return False
    return verify_password(password, stored)


def _lower_priority() -> None:
    """Run this thread at nice +10 where the OS allows it (Linux: per thread), so that the
    CPU a flood of logins takes yields to ingestion and reads."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class PasswordChecks:
    """The threads logins run on (password checks and the look-ups around them), never the
    event loop nor the threads other requests use; past `max_waiting` logins running or
    waiting, a login is refused at once (503) instead of queueing, so a flood of logins holds
    at most `workers` threads and never starves ingestion."""

    def __init__(self, workers: int, max_waiting: int):
        self._executor = ThreadPoolExecutor(
            workers, thread_name_prefix="tracehouse-passwords", initializer=_lower_priority
        )
        self._max_waiting = max_waiting
        self._waiting = 0

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on a login thread; 503 at once when too many wait."""
        if self._waiting >= self._max_waiting:
            raise Unavailable(
                "Too many logins at once; retry shortly.", headers={"Retry-After": "1"}
            )
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, functools.partial(function, *args))
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
