"""Rows to API objects: traces, observations and scores as the API returns them."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.records import STRING_SCORE_TYPES


def trace(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "timestamp": iso(row["start_time"]),
        "start_time": iso(row["start_time"]),
        "end_time": iso(row["end_time"]),
        "latency_ms": row["latency_ms"],
        "user_id": row["user_id"],
        "session_id": row["session_id"],
        "environment": row["environment"],
        "release": row["release"],
        "version": row["version"],
        "tags": jsontext.loads(row["tags"]) or [],
        "metadata": jsontext.loads(row["metadata"]),
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "status": row["status"],
        "status_message": row["status_message"],
        "observation_count": row["observation_count"],
        "error_count": row["error_count"],
        "usage": {
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "total_tokens": row["total_tokens"],
        },
        "total_tokens": row["total_tokens"],
        "cost": row["cost"],
        "models": jsontext.loads(row["models"]) or [],
        "public": row["public"],
        "bookmarked": row["bookmarked"],
        "is_test": row["is_test"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def observation(row: Any) -> dict[str, Any]:
    start, end, first = row["start_time"], row["end_time"], row["completion_start_time"]
    reported = _cost(row, "reported")
    computed = _cost(row, "computed")
    return {
        "id": row["id"],
        "trace_id": row["trace_id"],
        "parent_id": row["parent_id"],
        "type": row["type"],
        "name": row["name"],
        "start_time": iso(start),
        "end_time": iso(end),
        "completion_start_time": iso(first),
        "latency_ms": (end - start) / 1000.0 if end is not None else None,
        "time_to_first_token_ms": (first - start) / 1000.0 if first is not None else None,
        "model": row["model"],
        "provider": row["provider"],
        "model_parameters": jsontext.loads(row["model_parameters"]),
        "input": jsontext.loads(row["input"]),
        "output": jsontext.loads(row["output"]),
        "usage": {
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "total_tokens": row["total_tokens"],
            "cache_read_tokens": row["cache_read_tokens"],
            "cache_write_tokens": row["cache_write_tokens"],
            "reasoning_tokens": row["reasoning_tokens"],
        },
        "cost": {**preferred_cost(row), "reported": reported, "computed": computed},
        "level": row["level"],
        "status_message": row["status_message"],
        "metadata": jsontext.loads(row["metadata"]),
        "prompt_name": row["prompt_name"],
        "prompt_version": row["prompt_version"],
        "environment": row["environment"],
        "version": row["version"],
        "attributes": jsontext.loads(row["attributes"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def score(row: Any) -> dict[str, Any]:
    value: Any = row["value"]
    if row["data_type"] in STRING_SCORE_TYPES:
        value = row["string_value"]
    elif row["data_type"] == "BOOLEAN":
        value = bool(row["value"])
    return {
        "id": row["id"],
        "name": row["name"],
        "value": value,
        "numeric_value": row["value"],
        "string_value": row["string_value"],
        "data_type": row["data_type"],
        "source": row["source"],
        "trace_id": row["trace_id"],
        "observation_id": row["observation_id"],
        "session_id": row["session_id"],
        "comment": row["comment"],
        "metadata": jsontext.loads(row["metadata"]),
        "author": row["author"],
        "environment": row["environment"],
        "timestamp": iso(row["timestamp"]),
        "created_at": iso(row["created_at"]),
    }


def _cost(row: Any, kind: str) -> dict[str, float | None]:
    return {part: row[f"{kind}_{part}_cost"] for part in ("input", "output", "total")}


def preferred_cost(row: Any) -> dict[str, float | None]:
    """An observation's cost per part: the client-reported one when given, else the computed."""
    reported, computed = _cost(row, "reported"), _cost(row, "computed")
    return {
        part: reported[part] if reported[part] is not None else computed[part]
        for part in ("input", "output", "total")
    }


#: How many levels `tree` nests. JSON encoders and parsers stop near 255-1,000 levels (orjson,
#: pydantic, Python's `json`); each observation level costs two, so deeper trees are cut here.
TREE_DEPTH = 100


def tree(
    observations: list[dict[str, Any]], max_depth: int | None = TREE_DEPTH
) -> list[dict[str, Any]]:
    """Nest observation ids under their parents; orphans (parent not stored yet) become roots.

    A node at level `max_depth` (roots are level 1) lists all its descendants flat instead, in
    depth-first order, each with its `parent_id`, and is marked `"flattened": true`: no
    observation is lost, only the nesting below the cap. `None` nests without a cap."""
    nodes = {o["id"]: {"id": o["id"], "children": []} for o in observations}
    roots: list[dict[str, Any]] = []
    for o in observations:
        parent = nodes.get(o["parent_id"]) if o["parent_id"] else None
        (parent["children"] if parent is not None and o["parent_id"] != o["id"] else roots).append(
            nodes[o["id"]]
        )
    if max_depth is not None:
        _cap(roots, max_depth)
    return roots


def _cap(roots: list[dict[str, Any]], max_depth: int) -> None:
    stack = [(node, 1) for node in roots]
    while stack:
        node, level = stack.pop()
        if level < max_depth:
            stack.extend((child, level + 1) for child in node["children"])
        elif node["children"]:
            node["children"] = _descendants(node)
            node["flattened"] = True


def _descendants(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node below `node`, depth-first, as `{"id", "parent_id", "children": []}`."""
    out: list[dict[str, Any]] = []
    stack = [(child, node["id"]) for child in reversed(node["children"])]
    while stack:
        child, parent_id = stack.pop()
        out.append({"id": child["id"], "parent_id": parent_id, "children": []})
        stack.extend((grandchild, child["id"]) for grandchild in reversed(child["children"]))
    return out
