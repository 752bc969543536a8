"""The HTTP client of the data commands: where the server is, the API key, and one readable
error (a `click.ClickException`, exit code 1) for every way a request can fail."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import click
import httpx

DEFAULT_PORT = 8000
RETRIES = 5
MAX_WAIT_SECONDS = 30.0
# Hosts a server listens on that a client cannot connect to as such.
_ANY_INTERFACE = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "[::]": "[::1]"}


class ServerError(click.ClickException):
    """The server refused the request, or could not be reached; the message says why."""


class Unreachable(ServerError):
    """No answer at all: nothing listens there, or it did not answer in time."""


def server_url(host: str | None) -> str:
    """A base URL from `--host` (or `TRACEHOUSE_BASE_URL`, `TRACEHOUSE_HOST`,
    `TRACEHOUSE_LISTEN_HOST`): a full URL, or a host with an optional port
    (default `TRACEHOUSE_PORT`, else 8000), so a shell set up for `serve` finds its server."""
    host = (host or "127.0.0.1").strip().rstrip("/")
    if "://" in host:
        return host
    host = _ANY_INTERFACE.get(host, host)
    bracketed = host.startswith("[") and "]" in host
    has_port = host.rsplit("]", 1)[-1].count(":") == 1 if bracketed else host.count(":") == 1
    if not has_port:
        if not bracketed and ":" in host:  # a bare IPv6 address
            host = f"[{host}]"
        host = f"{host}:{os.environ.get('TRACEHOUSE_PORT') or DEFAULT_PORT}"
    return f"http://{host}"


class ApiClient:
    """Calls the native API with a Bearer key; retries 429 and 503 after `Retry-After`."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._http = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "tracehouse-cli"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).json()

    def post_raw(self, path: str, content: bytes, content_type: str) -> Any:
        headers = {"Content-Type": content_type}
        return self.request("POST", path, content=content, headers=headers).json()

    def pages(self, path: str, params: dict[str, Any], limit: int | None) -> Iterator[Any]:
        """Every item of a list endpoint (up to `limit`), following `meta.next_cursor`."""
        params = {**params, "limit": min(limit or 200, 200)}
        count = 0
        while True:
            body = self.get(path, params)
            for item in body["data"]:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield item
            cursor = body["meta"].get("next_cursor")
            if not cursor or not body["meta"].get("has_more"):
                return
            params["cursor"] = cursor

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(RETRIES + 1):
            response = self._send(method, path, **kwargs)
            if response.status_code not in (429, 503) or attempt == RETRIES:
                break
            time.sleep(_retry_after(response, attempt))
        if response.status_code >= 400:
            raise ServerError(describe_error(response))
        if "json" not in response.headers.get("content-type", ""):
            raise ServerError(
                f"{self.url} answered {response.status_code} with "
                f"{response.headers.get('content-type') or 'no content type'}, not JSON: "
                "is this a Tracehouse server?"
            )
        return response

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unreachable(f"the server at {self.url} did not answer in time ({exc}).") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(
                f"cannot reach the Tracehouse server at {self.url} ({exc or type(exc).__name__})."
                " Is it running? Set --host or TRACEHOUSE_BASE_URL."
            ) from exc


def _retry_after(response: httpx.Response, attempt: int) -> float:
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        wait = 0.5 * 2**attempt
    return min(max(wait, 0.1), MAX_WAIT_SECONDS)


def describe_error(response: httpx.Response) -> str:
    """One line from the error envelope: status, code, message and the fields it names."""
    try:
        error = response.json()["error"]
        text = f"{response.status_code} {error['code']}: {error['message']}"
        details = [d for d in error.get("details") or [] if isinstance(d, dict) and "field" in d]
        if details:
            named = [f"{d['field']}: {d.get('message', '')}".rstrip(": ") for d in details]
            text += " (" + "; ".join(named) + ")"
    except (ValueError, KeyError, TypeError):
        text = f"HTTP {response.status_code} from {response.request.url}"
    if response.status_code == 401:
        text += " Check --api-key or TRACEHOUSE_API_KEY."
    return text
