"""Inputs and outputs shaped for people: chat messages with roles, tool calls, text, JSON."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import quote

from tracehouse.media.content_types import INLINE_TYPES, MEDIA_REFERENCE

#: JSON longer than this many lines starts folded.
FOLD_LINES = 12
#: How deep `media` looks into a value for references.
_MEDIA_DEPTH = 20


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=False)


def _text_of(content: Any) -> str | None:
    """A message's content as text when it is text (or a list of text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text")
        for p in content
    ):
        return "\n".join(str(p.get("text", "")) for p in content)
    return None


def _tool_calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = []
    for call in message.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        function: dict[str, Any] = (
            call["function"] if isinstance(call.get("function"), dict) else call
        )
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments)
        calls.append({"id": call.get("id"), "name": function.get("name"), "arguments": arguments})
    return calls


def _message(raw: dict[str, Any]) -> dict[str, Any]:
    inner: dict[str, Any] = raw["message"] if isinstance(raw.get("message"), dict) else raw
    content = inner.get("content")
    text = _text_of(content)
    return {
        "role": str(inner.get("role") or "message"),
        "name": inner.get("name"),
        "text": text,
        "json": None if text is not None else content,
        "tool_calls": _tool_calls(inner),
        "tool_call_id": inner.get("tool_call_id"),
    }


def _messages(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if not isinstance(value, list) or not value:
        return None
    ok = all(
        isinstance(m, dict)
        and ("role" in m or (isinstance(m.get("message"), dict) and "role" in m["message"]))
        for m in value
    )
    return value if ok else None


def media(value: Any, base: str, depth: int = 0) -> list[dict[str, Any]]:
    """The media references in a value, each with its URL under `base`, in order, once each."""
    if isinstance(value, str):
        found = MEDIA_REFERENCE.findall(value)
    elif isinstance(value, dict | list) and depth < _MEDIA_DEPTH:
        items = value.values() if isinstance(value, dict) else value
        found = [(r["type"], r["id"]) for v in items for r in media(v, base, depth + 1)]
    else:
        found = []
    unique = dict.fromkeys(found)
    return [
        {
            "type": kind,
            "id": media_id,
            "url": f"{base}/{quote(media_id, safe='')}",
            "image": kind.startswith("image/") and kind in INLINE_TYPES,
        }
        for kind, media_id in unique
    ]


def view(value: Any, media_base: str | None = None) -> dict[str, Any]:
    """How to show one input or output: `{"kind": chat|text|json|empty, ...}`, with the media
    it references (`media`, linked under `media_base`) when that is given."""
    shown = _shape(value)
    if media_base is not None:
        shown["media"] = media(value, media_base)
    return shown


def _shape(value: Any) -> dict[str, Any]:
    if value is None or value == "" or value == {} or value == []:
        return {"kind": "empty"}
    messages = _messages(value)
    if messages is not None:
        return {"kind": "chat", "messages": [_message(m) for m in messages]}
    if (
        isinstance(value, dict)
        and set(value) <= {"role", "content", "tool_calls"}
        and "role" in value
    ):
        return {"kind": "chat", "messages": [_message(value)]}
    if isinstance(value, str):
        return {"kind": "text", "text": value}
    text = pretty(value)
    return {"kind": "json", "text": text, "folded": text.count("\n") > FOLD_LINES}


def latest_turn(shown: dict[str, Any]) -> dict[str, Any]:
    """A chat input cut to what is new in this turn: the messages after the last assistant
    message (earlier ones repeat the conversation so far), with how many were left out."""
    if shown["kind"] != "chat":
        return shown
    messages = shown["messages"]
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    if last < 0 or last == len(messages) - 1:
        return shown
    return {"kind": "chat", "messages": messages[last + 1 :], "earlier": last + 1}


def brief(value: Any, limit: int = 160) -> str:
    """One line for a table cell: text as is, anything else as compact JSON, cut at `limit`."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def editable(value: Any) -> str:
    """A value as an edit box shows it, so that saving it unchanged stores the same value:
    text as is unless it would read as JSON (then quoted), anything else as indented JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value
    return pretty(value)
