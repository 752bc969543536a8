"""Chat messages from every convention family, normalised to one shape.

A normalised message is `{"role", "content"}` plus, when present, `"tool_calls"`
(`[{"id", "name", "arguments"}]`), `"tool_call_id"`, `"name"` and `"finish_reason"`. Values that do
not look like messages are returned unchanged, so nothing is lost.
"""

from __future__ import annotations

from typing import Any

import orjson

_JSON_STARTS = ("{", "[", '"')


def parse_json(value: Any) -> Any:
    """A JSON-encoded string decoded, anything else (or undecodable text) unchanged."""
    if isinstance(value, str) and value.startswith(_JSON_STARTS):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def parse_any_json(value: Any) -> Any:
    """Any string that is JSON text decoded (`"2"` the number 2), anything else unchanged."""
    if isinstance(value, str) and value:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def unflatten(flat: dict[str, Any]) -> Any:
    """`{"0.message.role": "user", …}` → `[{"message": {"role": "user"}}]` (digits are indices)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if type(node) is not dict:
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def from_openinference(items: Any) -> list[dict[str, Any]] | None:
    """`llm.input_messages` unflattened: `[{"message": {"role", "content", "tool_calls"}}]`."""
    if not isinstance(items, list):
        return None
    out = []
    for item in items:
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(message, dict):
            continue
        normal: dict[str, Any] = {"role": message.get("role"), "content": message.get("content")}
        if normal["content"] is None and isinstance(message.get("contents"), list):
            normal["content"] = _join_contents(message["contents"])
        calls = []
        for call in message.get("tool_calls") or []:
            tool_call = call.get("tool_call", {}) if isinstance(call, dict) else {}
            function = tool_call.get("function", {})
            calls.append(
                {
                    "id": tool_call.get("id"),
                    "name": function.get("name"),
                    "arguments": parse_json(function.get("arguments")),
                }
            )
        _extras(normal, calls, message.get("tool_call_id"), message.get("name"))
        out.append(normal)
    return out or None


def _join_contents(contents: list[Any]) -> str:
    texts = []
    for entry in contents:
        content = entry.get("message_content", {}) if isinstance(entry, dict) else {}
        if content.get("text"):
            texts.append(str(content["text"]))
    return "\n".join(texts)


def from_indexed(items: Any) -> list[dict[str, Any]] | None:
    """Older `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` unflattened into a list."""
    if not isinstance(items, list):
        return None
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        normal: dict[str, Any] = {"role": item.get("role"), "content": item.get("content")}
        calls = [
            {"id": c.get("id"), "name": c.get("name"), "arguments": parse_json(c.get("arguments"))}
            for c in item.get("tool_calls") or []
            if isinstance(c, dict)
        ]
        _extras(normal, calls, item.get("tool_call_id"), None)
        if item.get("finish_reason"):
            normal["finish_reason"] = item["finish_reason"]
        out.append(normal)
    return out or None


def from_otel(value: Any, system: Any = None) -> Any:
    """`gen_ai.input.messages` / `gen_ai.output.messages` (role + parts) → normalised messages."""
    messages = parse_json(value)
    if not isinstance(messages, list):
        return messages
    out: list[Any] = []
    instructions = parse_json(system)
    if instructions:
        out.append({"role": "system", "content": _parts_text(instructions)})
    for message in messages:
        if not isinstance(message, dict) or "parts" not in message:
            out.append(message)
            continue
        out.append(_otel_message(message))
    return out


def _otel_message(message: dict[str, Any]) -> dict[str, Any]:
    raw_parts = message.get("parts")
    parts: list[Any] = raw_parts if isinstance(raw_parts, list) else []
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    call_id = None
    other: list[Any] = []
    for part in parts:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "reasoning") and part.get("content") is not None:
            texts.append(str(part["content"]))
        elif kind == "tool_call":
            arguments = parse_json(part.get("arguments"))
            calls.append({"id": part.get("id"), "name": part.get("name"), "arguments": arguments})
        elif kind == "tool_call_response":
            call_id = part.get("id")
            response = part.get("response", part.get("result"))
            texts.append(response if isinstance(response, str) else orjson.dumps(response).decode())
        else:
            other.append(part)
    normal: dict[str, Any] = {"role": message.get("role"), "content": "\n".join(texts) or None}
    _extras(normal, calls, call_id, message.get("name"))
    if other:
        normal["parts"] = other
    if message.get("finish_reason"):
        normal["finish_reason"] = message["finish_reason"]
    return normal


def _parts_text(parts: Any) -> Any:
    if isinstance(parts, list):
        texts = [str(p.get("content")) for p in parts if isinstance(p, dict) and p.get("content")]
        return "\n".join(texts) if texts else parts
    return parts


def from_log_body(event_name: str, body: Any) -> dict[str, Any] | None:
    """One OTel ≤1.36 GenAI log event (`gen_ai.user.message`, `gen_ai.choice`, …) → a message."""
    if not isinstance(body, dict):
        body = {"content": body}
    if event_name == "gen_ai.choice":
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        normal: dict[str, Any] = {
            "role": message.get("role") or "assistant",
            "content": message.get("content"),
        }
        calls = _log_tool_calls(message.get("tool_calls"))
        _extras(normal, calls, None, None)
        if body.get("finish_reason"):
            normal["finish_reason"] = body["finish_reason"]
        return normal
    role = event_name.removeprefix("gen_ai.").removesuffix(".message")
    normal = {"role": body.get("role") or role, "content": body.get("content")}
    _extras(normal, _log_tool_calls(body.get("tool_calls")), body.get("id"), None)
    return normal


def _log_tool_calls(calls: Any) -> list[dict[str, Any]]:
    out = []
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict):
            raw_function = call.get("function")
            function: dict[str, Any] = raw_function if isinstance(raw_function, dict) else {}
            out.append(
                {
                    "id": call.get("id"),
                    "name": function.get("name"),
                    "arguments": parse_json(function.get("arguments")),
                }
            )
    return out


def _extras(normal: dict[str, Any], calls: list[dict[str, Any]], call_id: Any, name: Any) -> None:
    if calls:
        normal["tool_calls"] = calls
    if call_id:
        normal["tool_call_id"] = call_id
    if name:
        normal["name"] = name
