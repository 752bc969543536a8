"""The fork page's replay form read into the API's request model: JSON fields parsed, blank
fields left out (the fork's or the recording's value then), one override field per tool step."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from tracehouse.errors import InvalidRequest
from tracehouse.forks.schemas import ReplayIn

OVERRIDE = "override:"
_NUMBERS = ("temperature", "max_tokens")
_JSON = ("tools", "response_format")


def replay_in(fields: dict[str, str]) -> ReplayIn:
    """The replay the form asks for; InvalidRequest names a field that does not parse."""
    body: dict[str, Any] = {
        "model": fields.get("model", "").strip() or None,
        "provider": fields.get("provider", "").strip() or None,
        "messages": _json(fields, "messages"),
        "parameters": _parameters(fields) or None,
        "tool_results": [
            {"span_id": name.removeprefix(OVERRIDE), "output": _loose(value)}
            for name, value in fields.items()
            if name.startswith(OVERRIDE) and value.strip()
        ],
    }
    if fields.get("max_steps", "").strip():
        body["max_steps"] = fields["max_steps"].strip()
    try:
        return ReplayIn.model_validate(body)
    except ValidationError as exc:
        names = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise InvalidRequest(f"Invalid {names}.") from exc


def _parameters(fields: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _NUMBERS:
        text = fields.get(name, "").strip()
        if text:
            try:
                out[name] = float(text) if name == "temperature" else int(text)
            except ValueError:
                raise InvalidRequest(f"`{name}` must be a number, not {text!r}.") from None
    for name in _JSON:
        value = _json(fields, name)
        if value is not None:
            out[name] = value
    return out


def _json(fields: dict[str, str], name: str) -> Any:
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"`{name}` is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc


def _loose(text: str) -> Any:
    """An override: JSON when it parses, else the text as it is."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
