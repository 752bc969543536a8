"""Tools over traces, spans and sessions: search, one trace as a compact tree, conversations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from tracehouse.mcp_server import bounds
from tracehouse.mcp_server.endpoint import caller
from tracehouse.observations.service import ObservationFilters, list_observations
from tracehouse.sessions import service as sessions
from tracehouse.traces import service as traces
from tracehouse.traces.filters import TraceListParams

Limit = Annotated[int, Field(ge=1, le=bounds.MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[str | None, Field(description="`next_cursor` of the previous page.")]
Time = Annotated[str | None, Field(description="RFC 3339 time.")]
#: Characters of input/output shown per trace or span in lists and trees.
PREVIEW_CHARS = 300


def _trace(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "start_time", "status", "user_id", "session_id", "tags", "latency_ms")
    body = {key: row.get(key) for key in keep}
    body["cost"] = row.get("cost")
    body["tokens"] = row.get("total_tokens")
    body["input"] = bounds.clip(row.get("input"), PREVIEW_CHARS)
    body["output"] = bounds.clip(row.get("output"), PREVIEW_CHARS)
    return body


def _span(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "trace_id", "parent_id", "type", "name", "model", "level", "latency_ms")
    body = {key: row.get(key) for key in keep}
    body["start_time"] = row.get("start_time")
    body["status_message"] = row.get("status_message")
    body["tokens"] = (row.get("usage") or {}).get("total_tokens")
    body["cost"] = (row.get("cost") or {}).get("total")
    body["input"] = bounds.clip(row.get("input"), PREVIEW_CHARS)
    body["output"] = bounds.clip(row.get("output"), PREVIEW_CHARS)
    return body


def search_traces(
    ctx: Context,
    query: Annotated[str | None, Field(description="Text in the name, input or output.")] = None,
    name: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
    status: Literal["ok", "warning", "error"] | None = None,
    tags: list[str] | None = None,
    model: str | None = None,
    from_time: Time = None,
    to_time: Time = None,
    sort: Literal["time", "latency", "cost", "tokens"] = "time",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Search the project's traces (newest first by default) by text and filters."""
    rt, scope = caller(ctx)
    params = TraceListParams.model_validate(
        {
            "q": query,
            "name": name,
            "user_id": user_id,
            "session_id": session_id,
            "status": status,
            "tags": tags or [],
            "model": model,
            "from": from_time,
            "to": to_time,
            "sort": sort,
        }
    )
    asked = bounds.page(cursor, limit)
    found = traces.list_traces(rt, scope, params, asked)
    return bounds.fit(found["data"], asked, found["meta"]["total_count"], _trace)


def search_spans(
    ctx: Context,
    query: Annotated[
        str | None,
        Field(description="Words in the span's text (the search index) or text in it."),
    ] = None,
    trace_id: str | None = None,
    type: Annotated[str | None, Field(description="span, generation, tool, agent...")] = None,
    name: str | None = None,
    model: str | None = None,
    level: Literal["DEBUG", "DEFAULT", "WARNING", "ERROR"] | None = None,
    from_time: Time = None,
    to_time: Time = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Search the project's spans (observations: spans, generations, tool calls...)."""
    rt, scope = caller(ctx)
    filters = ObservationFilters.model_validate(
        {
            "q": query,
            "trace_id": trace_id,
            "type": type,
            "name": name,
            "model": model,
            "level": level,
            "from": from_time,
            "to": to_time,
        }
    )
    asked = bounds.page(cursor, limit)
    found = list_observations(rt, scope, filters, asked)
    return bounds.fit(found["data"], asked, found["meta"]["total_count"], _span)


def get_trace(
    ctx: Context,
    trace_id: str,
    limit: Annotated[int, Field(ge=1, le=bounds.MAX_SPANS, description="Spans per page.")] = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """One trace as a compact tree: its summary and its spans depth-first, each with `depth`."""
    rt, scope = caller(ctx)
    body = traces.get_trace(rt, scope, trace_id, tree_depth=None)
    by_id = {o["id"]: o for o in body["observations"]}
    ordered = [{**_span(by_id[i]), "depth": depth} for i, depth in _depth_first(body["tree"])]
    asked = bounds.page(cursor, limit, most=bounds.MAX_SPANS)
    spans = bounds.fit(ordered[asked.offset : asked.offset + limit], asked, len(ordered))
    scores = [{k: s.get(k) for k in ("name", "value", "observation_id")} for s in body["scores"]]
    return {"trace": _trace(body), "scores": bounds.clip(scores[:50]), "spans": spans}


def _depth_first(tree: list[dict[str, Any]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    stack = [(node, 0) for node in reversed(tree)]
    while stack:
        node, depth = stack.pop()
        out.append((node["id"], depth))
        stack.extend((child, depth + 1) for child in reversed(node["children"]))
    return out


def list_sessions(
    ctx: Context,
    user_id: str | None = None,
    from_time: Time = None,
    to_time: Time = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The project's sessions (conversations, agent runs), most recently active first."""
    rt, scope = caller(ctx)
    filters = sessions.SessionFilters.model_validate(
        {"user_id": user_id, "from": from_time, "to": to_time}
    )
    asked = bounds.page(cursor, limit)
    found = sessions.list_sessions(rt, scope, filters, asked)
    return bounds.fit(found["data"], asked, found["meta"]["total_count"])


def get_session(
    ctx: Context, session_id: str, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    """A session's conversation: its traces in order, each with its input and output."""
    rt, scope = caller(ctx)
    body = sessions.get_session(rt, scope, session_id)
    turns = body.pop("traces")
    asked = bounds.page(cursor, limit)
    body["turns"] = bounds.fit(
        turns[asked.offset : asked.offset + asked.limit], asked, len(turns), _turn
    )
    bounded: dict[str, Any] = bounds.clip(body)
    return bounded


def _turn(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "start_time", "status", "user_id", "input", "output")
    return {key: row.get(key) for key in keep}
