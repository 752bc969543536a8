"""The trace page's geometry: the observation tree flattened in display order, each row with its
depth and its bar on the shared time axis (the waterfall), durations to scale."""

from __future__ import annotations

from typing import Any

from tracehouse.clock import to_us


def _order(tree: list[dict[str, Any]]) -> list[tuple[str, int, bool]]:
    """(id, depth, has children) depth-first, without recursion (traces can be deep)."""
    out: list[tuple[str, int, bool]] = []
    stack = [(node, 0) for node in reversed(tree)]
    while stack:
        node, depth = stack.pop()
        out.append((node["id"], depth, bool(node["children"])))
        stack.extend((child, depth + 1) for child in reversed(node["children"]))
    return out


def rows(trace: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """Display rows for the observations of a trace, and the trace's span in ms."""
    by_id = {o["id"]: o for o in trace["observations"]}
    starts = [to_us(o["start_time"]) for o in trace["observations"]]
    ends = [to_us(o["end_time"]) or to_us(o["start_time"]) for o in trace["observations"]]
    t0 = min([s for s in starts if s is not None] + [to_us(trace["start_time"]) or 0])
    t1 = max([e for e in ends if e is not None] + [to_us(trace["end_time"]) or t0, t0 + 1])
    total = t1 - t0
    out = []
    for oid, depth, has_children in _order(trace["tree"]):
        o = by_id[oid]
        start = to_us(o["start_time"]) or t0
        end = to_us(o["end_time"])
        width = ((end - start) / total * 100) if end is not None else 0.0
        out.append(
            {
                "o": o,
                "depth": depth,
                "has_children": has_children,
                "left": round((start - t0) / total * 100, 3),
                "width": round(max(width, 0.3), 3),
                "open": end is None,
                "error": o["level"] == "ERROR",
                "warning": o["level"] == "WARNING",
                "tool": tool_name(o),
            }
        )
    return out, total / 1000.0


def tool_name(o: dict[str, Any]) -> str | None:
    """The tool a tool observation ran, shown beside its name when the name does not say it."""
    attributes = o.get("attributes") or {}
    name = attributes.get("gen_ai.tool.name") or attributes.get("tool.name")
    if not isinstance(name, str) or not name or name in (o.get("name") or ""):
        return None
    return name
