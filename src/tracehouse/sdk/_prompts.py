"""Prompts from the server, cached in the client (see `_cache`): `get_prompt` serves the
stale copy, or the caller's `fallback`, when the server cannot be reached."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._cache import VersionCache
from tracehouse.sdk._config import Config

if TYPE_CHECKING:
    import httpx

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


class PromptCache(VersionCache[Prompt]):
    """Fetched prompt versions by (name, label, version), with the time each was fetched."""

    def __init__(self, config: Config, transport: httpx.BaseTransport | None) -> None:
        super().__init__(
            config, transport, kind="prompt", path="/api/v1/prompts/", parse=_from_body
        )

    def prompt(
        self,
        name: str,
        *,
        label: str | None,
        version: int | None,
        cache_ttl: float,
        fallback: str | Messages | None,
    ) -> Prompt:
        """The version, else (server unreachable) the stale copy, else `fallback`."""

        def stand_in() -> Prompt:
            assert fallback is not None
            kind = "text" if isinstance(fallback, str) else "chat"
            return Prompt(name, 0, kind, fallback, is_fallback=True)

        return self.get(
            name,
            label=label,
            version=version,
            cache_ttl=cache_ttl,
            fallback=None if fallback is None else stand_in,
        )
