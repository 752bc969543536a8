"""Versioned resources (prompts, skills) fetched from the server and cached in the client: a
copy is served for `cache_ttl` seconds, then asked for again; when the server cannot be reached
(network error, 429, 5xx) the stale copy, or the caller's fallback, is served rather than fail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

from tracehouse.sdk._config import Config
from tracehouse.sdk._exceptions import TracehouseError

if TYPE_CHECKING:
    import httpx

#: Seconds the server gets (to connect, then to answer) when a stale copy or a fallback could be
#: served instead: the app must not wait the full request timeout for a version it has.
FALLBACK_TIMEOUT = 2.0
T = TypeVar("T")


class _Unreachable(Exception):
    """The server could not answer now (network error, 429 or 5xx): worth serving stale."""


class VersionCache(Generic[T]):
    """Fetched versions by (name, label, version), with the time each was fetched. `path` is
    the URL prefix the (quoted) name is appended to; `parse` turns a response body into a T."""

    def __init__(
        self,
        config: Config,
        transport: httpx.BaseTransport | None,
        *,
        kind: str,
        path: str,
        parse: Callable[[dict[str, Any]], T],
    ) -> None:
        self.config = config
        self.transport = transport
        self.kind, self.path, self.parse = kind, path, parse
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, str | None, int | None], tuple[T, float]] = {}

    def get(
        self,
        name: str,
        *,
        label: str | None,
        version: int | None,
        cache_ttl: float,
        fallback: Callable[[], T] | None,
    ) -> T:
        key = (name, label, version)
        with self.lock:
            cached = self.entries.get(key)
        if cached is not None and time.monotonic() - cached[1] < cache_ttl:
            return cached[0]
        quick = cached is not None or fallback is not None
        try:
            found = self._fetch(name, label, version, FALLBACK_TIMEOUT if quick else None)
        except _Unreachable as exc:
            if cached is not None:
                return cached[0]
            if fallback is not None:
                return fallback()
            raise TracehouseError(f"{self.kind} {name!r} could not be fetched: {exc}") from exc
        with self.lock:
            self.entries[key] = (found, time.monotonic())
        return found

    def _fetch(self, name: str, label: str | None, version: int | None, timeout: float | None) -> T:
        import httpx

        params: dict[str, str | int] = {}
        if label is not None:
            params["label"] = label
        if version is not None:
            params["version"] = version
        url = f"{self.config.host}{self.path}{quote(name, safe='')}"
        try:
            limit = min(timeout or self.config.timeout, self.config.timeout)
            with httpx.Client(transport=self.transport, timeout=limit) as client:
                response = client.get(url, params=params, headers=self.config.headers())
        except httpx.HTTPError as exc:
            raise _Unreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _Unreachable(f"HTTP {response.status_code}")
        if not response.is_success:
            raise TracehouseError(
                f"{self.kind} {name!r}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return self.parse(response.json())
