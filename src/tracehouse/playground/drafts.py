"""What the playground opens with: the messages, model and parameters of a recorded generation
or of a prompt version, as plain `{role, content}` messages a person can edit."""

from __future__ import annotations

import json
from typing import Any

from tracehouse.conventions.messages import parse_json
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope
from tracehouse.observations import service as observations
from tracehouse.prompts import render as prompt_render
from tracehouse.prompts import service as prompts
from tracehouse.prompts.schemas import Selector
from tracehouse.runtime import Runtime

_ROLES = ("system", "user", "assistant")
#: Parameters the playground edits; others of a generation are left behind.
PARAMS = ("temperature", "max_tokens", "top_p", "stop")


def _text(content: Any) -> str:
    """A message's content as editable text (text parts joined, anything else as JSON)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and "text" in p for p in content):
        return "\n".join(str(p["text"]) for p in content)
    return json.dumps(content, ensure_ascii=False, indent=2)


def _message(raw: dict[str, Any]) -> dict[str, str] | None:
    inner = raw["message"] if isinstance(raw.get("message"), dict) else raw
    if inner.get("type") == "placeholder":
        return None
    role = str(inner.get("role") or "user")
    text = _text(inner.get("content"))
    if inner.get("tool_calls") and not text:
        text = json.dumps(inner["tool_calls"], ensure_ascii=False)
    # tool results and other roles become user turns: every provider accepts those
    return {"role": role if role in _ROLES else "user", "content": text}


def messages_of(value: Any) -> list[dict[str, str]]:
    """Editable messages from a recorded input: chat messages, `{messages: [...]}`, or text."""
    value = parse_json(value)
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        found = [_message(m) for m in value]
        return [m for m in found if m is not None]
    if value is None or value == "":
        return [{"role": "user", "content": ""}]
    return [{"role": "user", "content": _text(value)}]


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def params_of(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The editable parameters of a generation or a prompt config."""
    raw = raw or {}
    out: dict[str, Any] = {}
    for name in PARAMS:
        value = raw.get(name)
        if name == "stop":
            if isinstance(value, str):
                value = [value]
            if isinstance(value, list) and value:
                out[name] = [str(v) for v in value][:4]
        elif value is not None and (number := _number(value)) is not None:
            out[name] = number
    if "max_tokens" not in out and _number(raw.get("max_completion_tokens")) is not None:
        out["max_tokens"] = _number(raw["max_completion_tokens"])
    return out


def from_generation(rt: Runtime, scope: ProjectScope, observation_id: str) -> dict[str, Any]:
    """A draft from a recorded generation of the project (404 for another project's)."""
    o = observations.get_observation(rt, scope, observation_id)
    if o["type"] != "generation":
        raise InvalidRequest(f"Observation {observation_id!r} is a {o['type']}, not a generation.")
    return {
        "messages": messages_of(o["input"]),
        "model": o["model"],
        "provider_kind": o.get("provider"),
        "params": params_of(o.get("model_parameters")),
        "recorded_output": o["output"],
        "source": {"trace_id": o["trace_id"], "observation_id": o["id"]},
    }


def from_prompt(rt: Runtime, scope: ProjectScope, name: str, version: int) -> dict[str, Any]:
    """A draft from a prompt version (references to other prompts resolved)."""
    found = prompt_render.version(prompts.get_version(rt, scope, name, Selector(version=version)))
    config = found["config"] if isinstance(found["config"], dict) else {}
    text = found["prompt"]
    messages = (
        messages_of(text) if found["type"] == "chat" else [{"role": "user", "content": str(text)}]
    )
    return {
        "messages": messages,
        "model": config.get("model"),
        "provider_kind": config.get("provider"),
        "params": params_of(config),
        "recorded_output": None,
        "source": {"prompt_name": name, "prompt_version": version},
    }
