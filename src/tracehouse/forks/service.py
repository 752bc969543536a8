"""Forks: create one at a span of a trace (or from another fork), list, get, delete, and the
diff of its latest replay against the source trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.forks import store
from tracehouse.forks.schemas import ForkIn, ForkListParams, ModificationsIn
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime
from tracehouse.traces import diff
from tracehouse.traces import service as traces

_PREFIX_FIELDS = (
    "id", "parent_id", "type", "name", "model", "start_time", "end_time", "input", "output",
    "usage",
)  # fmt: skip


def create(rt: Runtime, scope: ProjectScope, body: ForkIn) -> dict[str, Any]:
    """Record the fork: its source trace and span, its modifications, and the prefix."""
    scope.require_write()
    parent = get(rt, scope, body.from_fork_id) if body.from_fork_id else None
    trace_id, span_id = _target(body, parent)
    trace = traces.get_trace(rt, scope, trace_id)
    span = _span(trace, span_id)
    modifications = merged_modifications(parent and parent["modifications"], body.modifications)
    validate_overrides(trace, modifications["tool_results"])
    prefix = steps_before(trace["observations"], span)
    fork_id = new_id()
    values = {
        "id": fork_id,
        "project_rowid": scope.project_rowid,
        "trace_id": trace_id,
        "span_id": span_id,
        "parent_fork_id": parent and parent["id"],
        "name": body.name,
        "modifications": jsontext.dumps(modifications),
        "prefix": jsontext.dumps(prefix),
        "prefix_count": len(prefix),
        "created_at": now_us(),
    }
    with rt.db.writer.begin() as conn:
        store.insert_fork(conn, values)
    return get(rt, scope, fork_id)


def _target(body: ForkIn, parent: dict[str, Any] | None) -> tuple[str, str]:
    trace_id = body.trace_id or (parent and parent["trace_id"])
    span_id = body.span_id or (parent and parent["span_id"])
    if not trace_id or not span_id:
        field = "trace_id" if not trace_id else "span_id"
        raise InvalidRequest(f"`{field}` is required (or `from_fork_id`).", {"field": field})
    if parent and body.trace_id and not body.span_id and body.trace_id != parent["trace_id"]:
        raise InvalidRequest("`span_id` is required with another trace.", {"field": "span_id"})
    return trace_id, span_id


def _span(trace: dict[str, Any], span_id: str) -> dict[str, Any]:
    for o in trace["observations"]:
        if o["id"] == span_id:
            return dict(o)
    raise NotFound(f"No span {span_id!r} in trace {trace['id']!r}.", {"field": "span_id"})


def merged_modifications(
    base: dict[str, Any] | None, modifications: ModificationsIn
) -> dict[str, Any]:
    """Earlier modifications (a parent fork's, or the fork's for a replay) with new ones laid
    over them; tool result overrides merge by step."""
    new = modifications.model_dump(include=set(ModificationsIn.model_fields))
    base = base or {}
    merged = {key: new[key] if new[key] is not None else base.get(key) for key in new}
    overrides = {t["span_id"]: t for t in base.get("tool_results", [])}
    overrides.update((t["span_id"], t) for t in new["tool_results"])
    merged["tool_results"] = list(overrides.values())
    return merged


def validate_overrides(trace: dict[str, Any], tool_results: list[dict[str, Any]]) -> None:
    known = {o["id"] for o in trace["observations"]}
    for i, override in enumerate(tool_results):
        if override["span_id"] not in known:
            raise InvalidRequest(
                f"No step {override['span_id']!r} in trace {trace['id']!r} to override.",
                {"field": f"modifications.tool_results[{i}].span_id"},
            )


def steps_before(observations: list[dict[str, Any]], span: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps that completed before `span` started (not its ancestors, still running), by
    start time, with what they recorded."""
    start = _time(span["start_time"])
    running = ancestors(observations, span)
    return [
        {key: o[key] for key in _PREFIX_FIELDS}
        for o in observations
        if o["id"] not in running
        and o["id"] != span["id"]
        and o["end_time"] is not None
        and start is not None
        and _time(o["end_time"]) <= start  # type: ignore[operator]
    ]


def ancestors(observations: list[dict[str, Any]], span: dict[str, Any]) -> set[str]:
    """The ids of the steps `span` runs in."""
    parents = {o["id"]: o["parent_id"] for o in observations}
    out: set[str] = set()
    current = span["parent_id"]
    while current and current in parents and current not in out:
        out.add(current)
        current = parents[current]
    return out


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def get(rt: Runtime, scope: ProjectScope, fork_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = own(conn, scope, fork_id)
        replay = store.latest_replay(conn, row["fork_rowid"])
    return {
        **render(row),
        "prefix": jsontext.loads(row["prefix"]) or [],
        "latest_replay": render_replay(replay, fork_id),
    }


def list_forks(
    rt: Runtime, scope: ProjectScope, params: ForkListParams, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_forks(conn, scope.project_rowid, params.trace_id, page)
    return page_body(rows, page, total, render, lambda r: (r["created_at"], r["fork_rowid"]))


def delete(rt: Runtime, scope: ProjectScope, fork_id: str) -> None:
    """Delete the fork and its replay records (replay traces stay, like any trace)."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        store.delete_fork(conn, own(conn, scope, fork_id)["fork_rowid"])


def fork_diff(rt: Runtime, scope: ProjectScope, fork_id: str) -> dict[str, Any]:
    """The source trace against the fork's latest replay trace; 409 while it has none."""
    with rt.db.reader.connect() as conn:
        row = own(conn, scope, fork_id)
        replay = store.latest_replay(conn, row["fork_rowid"], with_trace=True)
    if replay is None:
        raise Conflict(f"Fork {fork_id!r} has no replay yet.", {"state": "no_replay"})
    source = traces.get_trace(rt, scope, row["trace_id"])
    return {
        "fork_id": fork_id,
        "replay": render_replay(replay, fork_id),
        **diff.compare(source, traces.get_trace(rt, scope, replay["trace_id"])),
    }


def own(conn: Any, scope: ProjectScope, fork_id: str) -> Any:
    row = store.find_fork(conn, scope.project_rowid, fork_id)
    if row is None:
        raise NotFound(f"No fork {fork_id!r} in this project.")
    return row


def render(row: Any) -> dict[str, Any]:
    """A fork as lists show it (without its prefix)."""
    return {
        "id": row["id"],
        "trace_id": row["trace_id"],
        "span_id": row["span_id"],
        "parent_fork_id": row["parent_fork_id"],
        "name": row["name"],
        "modifications": jsontext.loads(row["modifications"]),
        "prefix_count": row["prefix_count"],
        "created_at": iso(row["created_at"]),
    }


def render_replay(row: Any, fork_id: str) -> dict[str, Any] | None:
    """A replay as the API shows it (None for none)."""
    if row is None:
        return None
    return {
        "id": row["id"],
        "fork_id": fork_id,
        "mode": row["mode"],
        "state": row["state"],
        "trace_id": row["trace_id"],
        "message": row["message"],
        "stop": jsontext.loads(row["stop"]),
        "steps_done": row["steps_done"],
        "request": jsontext.loads(row["request"]),
        "created_at": iso(row["created_at"]),
        "started_at": iso(row["started_at"]),
        "finished_at": iso(row["finished_at"]),
    }
