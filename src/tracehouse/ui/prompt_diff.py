"""Two prompt versions side by side: each rendered to lines (text or chat messages, then its
config as JSON) and aligned with difflib, row by row, for a two-column diff."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Side:
    """One cell of a diff row: its line number and text, or nothing (the other side's line)."""

    number: int | None = None
    text: str = ""
    kind: str = "empty"  # equal | removed | added | empty


@dataclass(frozen=True, slots=True)
class Row:
    left: Side
    right: Side


def _message_lines(message: dict[str, Any]) -> list[str]:
    if message.get("type") == "placeholder":
        return [f"[placeholder: {message.get('name', '')}]"]
    content = message.get("content")
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return [f"[{message.get('role', '?')}]", *text.splitlines()]


def lines(prompt: Any, config: Any) -> list[str]:
    """A version as the lines the diff compares: its text or messages, then its config."""
    if isinstance(prompt, str):
        out = prompt.splitlines()
    elif isinstance(prompt, list):
        out = [line for m in prompt for line in _message_lines(m)]
    else:
        out = json.dumps(prompt, indent=2, ensure_ascii=False).splitlines()
    if config:
        out += ["", "# config", *json.dumps(config, indent=2, sort_keys=True).splitlines()]
    return out


def _block(opcode: str, a: list[str], i: int, b: list[str], j: int, size: int) -> list[Row]:
    """Rows for one difflib opcode: equal lines pair up, changes sit side by side."""
    rows = []
    for k in range(size):
        li, rj = i + k, j + k
        left = (
            Side(li + 1, a[li], "equal" if opcode == "equal" else "removed")
            if li < len(a)
            else Side()
        )
        right = (
            Side(rj + 1, b[rj], "equal" if opcode == "equal" else "added")
            if rj < len(b)
            else Side()
        )
        rows.append(Row(left, right))
    return rows


def side_by_side(old: list[str], new: list[str]) -> list[Row]:
    """Aligned rows for `old` (left) and `new` (right)."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for opcode, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = old[:i2], new[:j2]
        rows += _block(opcode, a, i1, b, j1, max(i2 - i1, j2 - j1))
    return rows


def changed(rows: list[Row]) -> int:
    """How many lines were added or removed."""
    return sum((r.left.kind == "removed") + (r.right.kind == "added") for r in rows)
