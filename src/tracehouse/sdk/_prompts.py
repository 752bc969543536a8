"""Prompts from the server, cached in the client: `get_prompt` answers from the cache for
`cache_ttl` seconds, then asks the server again; when the server cannot be reached (network
error, 429, 5xx) it serves the stale copy, or the caller's `fallback`, rather than fail."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tracehouse.sdk._config import Config
from tracehouse.sdk._exceptions import TracehouseError

if TYPE_CHECKING:
    import httpx

#: Seconds the server gets (to connect, then to answer) when a stale copy or a fallback could be
#: served instead: the app must not wait the full request timeout for a prompt it has.
FALLBACK_TIMEOUT = 2.0
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Prompt:
    """One prompt version: `prompt` is the text, or the chat messages (a message
    `{"type": "placeholder", "name": ...}` stands for messages given at compile time)."""

    name: str
    version: int
    type: str
    prompt: str | Messages
    config: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    #: True when this is the `fallback` given to `get_prompt`, not a version from the server.
    is_fallback: bool = False

    def variables(self) -> list[str]:
        texts = [self.prompt] if isinstance(self.prompt, str) else _texts(self.prompt)
        return list(dict.fromkeys(n for text in texts for n in _VARIABLE.findall(text)))

    def compile(self, **values: Any) -> str | Messages:
        """Fill `{{variables}}` (and chat placeholders, by name, with lists of messages).
        Raises `ValueError` naming every missing variable or placeholder."""
        needed = self.variables() + _placeholders(self.prompt)
        missing = [name for name in needed if name not in values]
        if missing:
            raise ValueError(f"Missing values for prompt {self.name!r}: {', '.join(missing)}.")
        if isinstance(self.prompt, str):
            return _fill(self.prompt, values)
        out: Messages = []
        for message in self.prompt:
            if message.get("type") == "placeholder":
                out.extend(values[message["name"]])
            else:
                filled = {k: v for k, v in message.items() if k != "type"}
                if isinstance(message.get("content"), str):
                    filled["content"] = _fill(message["content"], values)
                out.append(filled)
        return out


def _texts(messages: Messages) -> list[str]:
    return [m["content"] for m in messages if isinstance(m.get("content"), str)]


def _placeholders(prompt: str | Messages) -> list[str]:
    return (
        []
        if isinstance(prompt, str)
        else [m["name"] for m in prompt if m.get("type") == "placeholder"]
    )


def _fill(text: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values[match.group(1)]
        return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))

    return _VARIABLE.sub(value, text)


def _from_body(body: dict[str, Any]) -> Prompt:
    return Prompt(
        name=body["name"],
        version=int(body["version"]),
        type=body["type"],
        prompt=body["prompt"],
        config=body.get("config") or {},
        labels=list(body.get("labels") or []),
    )


class _Unreachable(Exception):
    """The server could not answer now (network error, 429 or 5xx): worth serving stale."""


class PromptCache:
    """Fetched prompt versions by (name, label, version), with the time each was fetched."""

    def __init__(self, config: Config, transport: httpx.BaseTransport | None) -> None:
        self.config = config
        self.transport = transport
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, str | None, int | None], tuple[Prompt, float]] = {}

    def get(
        self,
        name: str,
        *,
        label: str | None,
        version: int | None,
        cache_ttl: float,
        fallback: str | Messages | None,
    ) -> Prompt:
        key = (name, label, version)
        with self.lock:
            cached = self.entries.get(key)
        if cached is not None and time.monotonic() - cached[1] < cache_ttl:
            return cached[0]
        quick = cached is not None or fallback is not None
        try:
            prompt = self._fetch(name, label, version, FALLBACK_TIMEOUT if quick else None)
        except _Unreachable as exc:
            if cached is not None:
                return cached[0]
            if fallback is not None:
                kind = "text" if isinstance(fallback, str) else "chat"
                return Prompt(name, 0, kind, fallback, is_fallback=True)
            raise TracehouseError(f"prompt {name!r} could not be fetched: {exc}") from exc
        with self.lock:
            self.entries[key] = (prompt, time.monotonic())
        return prompt

    def _fetch(
        self, name: str, label: str | None, version: int | None, timeout: float | None
    ) -> Prompt:
        import httpx

        params: dict[str, str | int] = {}
        if label is not None:
            params["label"] = label
        if version is not None:
            params["version"] = version
        url = f"{self.config.host}/api/v1/prompts/{quote(name, safe='')}"
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
                f"prompt {name!r}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return _from_body(response.json())
