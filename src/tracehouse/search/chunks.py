"""What the search index holds of a trace or a span: its text cut into chunks.

A chunk is about `CHUNK_TOKENS` tokens (counted as 4 characters each) of: the name (with the
type and model of a span), its error or status message, then the text of its input and output
one conversation turn at a time (`role: text`, tool calls as `name(arguments)`), other JSON as
`key: value` lines (so a tool's arguments read `city: Berlin`). A turn longer than a chunk is
cut at a space. At most `MAX_CHUNKS` chunks are kept of one trace or span.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

CHUNK_TOKENS = 500
CHARS_PER_TOKEN = 4
CHUNK_CHARS = CHUNK_TOKENS * CHARS_PER_TOKEN
MAX_CHUNKS = 32
_SKIPPED_PREFIXES = ("data:", "@@@langfuse")  # inline media, media references


def trace_chunks(row: Mapping[str, Any]) -> list[str]:
    """The chunks of a trace's own text: name, status message, input, output."""
    head = _joined(row["name"], row["status_message"])
    return pack([head, *turns(row["input"]), *turns(row["output"])])


def observation_chunks(row: Mapping[str, Any]) -> list[str]:
    """The chunks of one span: name (type, model), status message, input, output."""
    title = _joined(row["name"], f"({row['type']})", row["model"])
    head = _joined(title, row["status_message"])
    return pack([head, *turns(row["input"]), *turns(row["output"])])


def _joined(*parts: Any) -> str:
    return " ".join(str(part) for part in parts if part)


def turns(stored: str | None) -> list[str]:
    """The text of a stored JSON value, one piece per conversation turn (or top-level item)."""
    if not stored:
        return []
    try:
        value = orjson.loads(stored)
    except orjson.JSONDecodeError:
        return [stored]
    items = value if isinstance(value, list) else [value]
    return [text for text in (_text(item) for item in items) if text]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        if "role" in value and ("content" in value or "tool_calls" in value):
            return _message(value)
        return "\n".join(_lines(value))
    return "\n".join(_lines(value))


def _message(message: dict[str, Any]) -> str:
    parts = [str(message.get("role")) + ":", *_lines(message.get("content"))]
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict):
            parts.append(f"{call.get('name')}({_flat(call.get('arguments'))})")
    return " ".join(part for part in parts if part)


def _flat(value: Any) -> str:
    return " ".join(_lines(value)) if not isinstance(value, str) else value


def _lines(value: Any, key: str | None = None) -> Iterator[str]:
    """Text leaves of a JSON value, a keyed scalar as `key: value`."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _lines(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _lines(item, key)
    elif isinstance(value, str):
        if value and not value.startswith(_SKIPPED_PREFIXES) and key != "type":
            yield f"{key}: {value}" if key and key not in ("text", "content") else value
    elif value is not None and not isinstance(value, bool) and key:
        yield f"{key}: {value}"


def pack(pieces: list[str], size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive pieces joined into chunks of at most `size` characters (a longer piece cut
    at spaces); at most MAX_CHUNKS."""
    out: list[str] = []
    current = ""
    for piece in (part for whole in pieces for part in _cut(whole.strip(), size)):
        if current and len(current) + 1 + len(piece) > size:
            out.append(current)
            current = ""
        current = f"{current}\n{piece}" if current else piece
        if len(out) >= MAX_CHUNKS:
            return out
    if current:
        out.append(current)
    return out[:MAX_CHUNKS]


def _cut(text: str, size: int) -> Iterator[str]:
    while len(text) > size:
        at = text.rfind(" ", size // 2, size)
        at = size if at < 0 else at
        yield text[:at]
        text = text[at:].lstrip()
    if text:
        yield text
