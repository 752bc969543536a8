"""Differences between two checkpoints: a JSON diff of the state (RFC 6901 paths) and, per
file, whether it was added, removed or changed, with a unified diff of text files."""

from __future__ import annotations

import difflib
from typing import Any

_MISSING = object()


def json_diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """The changes from `before` to `after`: `add`, `remove` and `replace` at JSON Pointers."""
    if isinstance(before, dict) and isinstance(after, dict):
        return _dict_diff(before, after, path)
    if isinstance(before, list) and isinstance(after, list):
        return _list_diff(before, after, path)
    if before == after and type(before) is type(after):
        return []
    return [_change(path, before, after)]


def _pointer(path: str, key: Any) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _dict_diff(before: dict[str, Any], after: dict[str, Any], path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        out.extend(json_diff(old, new, _pointer(path, key)))
    return out


def _list_diff(before: list[Any], after: list[Any], path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index in range(max(len(before), len(after))):
        old = before[index] if index < len(before) else _MISSING
        new = after[index] if index < len(after) else _MISSING
        out.extend(json_diff(old, new, _pointer(path, index)))
    return out


def _change(path: str, before: Any, after: Any) -> dict[str, Any]:
    if before is _MISSING:
        return {"op": "add", "path": path, "value": after}
    if after is _MISSING:
        return {"op": "remove", "path": path, "old_value": before}
    return {"op": "replace", "path": path, "old_value": before, "value": after}


def file_diff(
    path: str, before: bytes | None, after: bytes | None, label_a: str, label_b: str
) -> dict[str, Any]:
    """One file's change; `unified_diff` is set when both sides are text."""
    status = "added" if before is None else "removed" if after is None else "modified"
    return {
        "path": path,
        "status": status,
        "unified_diff": _unified(path, before, after, label_a, label_b),
    }


def _unified(
    path: str, before: bytes | None, after: bytes | None, label_a: str, label_b: str
) -> str | None:
    old, new = _text(before), _text(after)
    if old is None or new is None:
        return None
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{label_a}/{path}",
        tofile=f"{label_b}/{path}",
    )
    return "".join(lines)


def _text(content: bytes | None) -> str | None:
    if content is None:
        return ""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
