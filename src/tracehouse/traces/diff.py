"""Two traces compared step by step: steps aligned by their place in the tree (the path of
type, name and rank among like-named siblings), the divergence point, bounded unified diffs of
inputs and outputs, and the deltas of tokens, cost, latency, errors and scores."""

from __future__ import annotations

import difflib
from typing import Any

import orjson

#: Characters of each side a text diff reads, and lines of diff it returns: a diff stays cheap
#: and small however large the inputs are.
MAX_TEXT = 50_000
MAX_DIFF_LINES = 400
_TOKENS = ("input_tokens", "output_tokens", "total_tokens")


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The diff of two traces as the API renders them (`traces.service.get_trace`)."""
    paths = Paths()
    steps = align(keyed(a["observations"], paths), keyed(b["observations"], paths))
    divergence = next((s for s in steps if s["status"] != "same"), None)
    return {
        "a": _trace_side(a),
        "b": _trace_side(b),
        "divergence": _divergence(divergence, paths),
        "steps": [{k: v for k, v in step.items() if k != "key"} for step in steps],
        "counts": _counts(steps),
        "input_diff": text_diff(a["input"], b["input"]),
        "output_diff": text_diff(a["output"], b["output"]),
        "deltas": _trace_deltas(a, b),
    }


class Paths:
    """Interned paths: a step's path is its parent's path plus (type, name, rank among its
    like-named siblings), held as one number, so deep traces cost no more than wide ones."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, str, str, int], int] = {}
        self._parts: list[tuple[int, str, str, int]] = []

    def key(self, parent: int, kind: str, name: str, rank: int) -> int:
        part = (parent, kind, name, rank)
        if part not in self._ids:
            self._ids[part] = len(self._parts)
            self._parts.append(part)
        return self._ids[part]

    def rank(self, key: int) -> int:
        return self._parts[key][3]

    def path(self, key: int) -> list[str]:
        """`type:name#rank` from the root down to the step."""
        out = []
        while key >= 0:
            key, kind, name, rank = self._parts[key]
            out.append(f"{kind}:{name}#{rank}")
        return out[::-1]


Keyed = list[tuple[int, int, dict[str, Any]]]  # (path key, depth, observation)


def keyed(observations: list[dict[str, Any]], paths: Paths) -> Keyed:
    """Observations in tree order (depth first, siblings by start time), each with its path."""
    ids = {o["id"] for o in observations}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for o in observations:
        parent = o["parent_id"] if o["parent_id"] in ids and o["parent_id"] != o["id"] else None
        children.setdefault(parent, []).append(o)
    out: Keyed = []
    seen: set[str] = set()
    stack = list(reversed(_ranked(-1, 0, children.get(None, []), paths)))
    while stack:  # depth first without recursion: traces may nest thousands of levels
        key, depth, node = stack.pop()
        if node["id"] in seen:
            continue
        seen.add(node["id"])
        out.append((key, depth, node))
        stack.extend(reversed(_ranked(key, depth + 1, children.get(node["id"], []), paths)))
    return out


def _ranked(parent: int, depth: int, nodes: list[dict[str, Any]], paths: Paths) -> Keyed:
    counts: dict[tuple[str, str], int] = {}
    out = []
    for node in nodes:
        kind, name = node["type"] or "", node["name"] or ""
        rank = counts[kind, name] = counts.get((kind, name), -1) + 1
        out.append((paths.key(parent, kind, name, rank), depth, node))
    return out


def align(a: Keyed, b: Keyed) -> list[dict[str, Any]]:
    """One row per step of either run: paired when the paths match, else added or removed."""
    matcher = difflib.SequenceMatcher(None, [k for k, _, _ in a], [k for k, _, _ in b], False)
    rows: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs = zip(a[i1:i2], b[j1:j2], strict=True)
            rows.extend(_step(ka, depth, oa, ob) for (ka, depth, oa), (_, _, ob) in pairs)
            continue
        rows.extend(_step(key, depth, o, None) for key, depth, o in a[i1:i2])
        rows.extend(_step(key, depth, None, o) for key, depth, o in b[j1:j2])
    for position, row in enumerate(rows):
        row["position"] = position
    return rows


def _step(
    key: int, depth: int, a: dict[str, Any] | None, b: dict[str, Any] | None
) -> dict[str, Any]:
    node = a or b or {}
    row: dict[str, Any] = {
        "key": key,
        "depth": depth,
        "type": node.get("type"),
        "name": node.get("name"),
        "status": _status(a, b),
        "a": _step_side(a),
        "b": _step_side(b),
        "input_diff": None,
        "output_diff": None,
        "deltas": _step_deltas(a, b) if a and b else None,
    }
    if row["status"] != "same":
        row["input_diff"] = text_diff(a and a["input"], b and b["input"])
        row["output_diff"] = text_diff(a and a["output"], b and b["output"])
    return row


def _status(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if a is None:
        return "added"
    if b is None:
        return "removed"
    same = a["input"] == b["input"] and a["output"] == b["output"]
    return "same" if same else "changed"


def _step_side(o: dict[str, Any] | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "id": o["id"],
        "model": o["model"],
        "level": o["level"],
        "status_message": o["status_message"],
        "latency_ms": o["latency_ms"],
        "usage": {key: o["usage"][key] for key in _TOKENS},
        "cost": o["cost"]["total"],
    }


def _step_deltas(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: _minus(b["usage"][key], a["usage"][key]) for key in _TOKENS},
        "cost": _minus(b["cost"]["total"], a["cost"]["total"]),
        "latency_ms": _minus(b["latency_ms"], a["latency_ms"]),
    }


def _trace_side(t: dict[str, Any]) -> dict[str, Any]:
    return {
        key: t[key]
        for key in ("id", "name", "status", "latency_ms", "cost", "error_count", "usage")
    } | {"observation_count": len(t["observations"]), "scores": _scores(t)}


def _trace_deltas(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    scores_a, scores_b = _scores(a), _scores(b)
    return {
        **{key: _minus(b["usage"][key], a["usage"][key]) for key in _TOKENS},
        "cost": _minus(b["cost"], a["cost"]),
        "latency_ms": _minus(b["latency_ms"], a["latency_ms"]),
        "error_count": _minus(b["error_count"], a["error_count"]),
        "observation_count": len(b["observations"]) - len(a["observations"]),
        "scores": {
            name: {"a": scores_a.get(name), "b": scores_b.get(name),
                   "delta": _minus(scores_b.get(name), scores_a.get(name))}
            for name in sorted(scores_a.keys() | scores_b.keys())
        },
    }  # fmt: skip


def _scores(t: dict[str, Any]) -> dict[str, float]:
    """The mean numeric value per score name (categorical scores have none)."""
    values: dict[str, list[float]] = {}
    for score in t["scores"]:
        if score["numeric_value"] is not None:
            values.setdefault(score["name"], []).append(float(score["numeric_value"]))
    return {name: sum(v) / len(v) for name, v in values.items()}


def _minus(b: float | None, a: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _counts(steps: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("same", "changed", "added", "removed"), 0)
    for step in steps:
        counts[step["status"]] += 1
    return counts


def _divergence(step: dict[str, Any] | None, paths: Paths) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "position": step["position"],
        "path": paths.path(step["key"]),
        "status": step["status"],
        "a_id": step["a"] and step["a"]["id"],
        "b_id": step["b"] and step["b"]["id"],
    }


def text_diff(a: Any, b: Any) -> dict[str, Any] | None:
    """A unified diff of two values (strings as they are, the rest as indented JSON), or None
    when they are equal. Each side is read up to `MAX_TEXT` characters, the diff cut at
    `MAX_DIFF_LINES` lines; `truncated` says when either happened."""
    if a == b:
        return None
    text_a, text_b = _text(a), _text(b)
    cut = len(text_a) > MAX_TEXT or len(text_b) > MAX_TEXT
    lines = list(
        difflib.unified_diff(
            text_a[:MAX_TEXT].splitlines(), text_b[:MAX_TEXT].splitlines(), "a", "b", lineterm=""
        )
    )
    cut = cut or len(lines) > MAX_DIFF_LINES
    return {"diff": "\n".join(lines[:MAX_DIFF_LINES]), "truncated": cut}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(value, option=options, default=str).decode()
