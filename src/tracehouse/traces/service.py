"""Traces: list with filters, one trace as a tree with its scores, two compared, delete."""

from __future__ import annotations

from typing import Any

from tracehouse.audit import service as audit
from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.traces import diff, render, store
from tracehouse.traces.filters import TraceListParams
from tracehouse.traces.schemas import ExportIn


def list_traces(
    rt: Runtime, scope: ProjectScope, params: TraceListParams, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_traces(conn, scope.project_rowid, params, page)
    return page_body(rows, page, total, render.trace, lambda r: (r["sort_value"], r["trace_rowid"]))


def get_trace(
    rt: Runtime, scope: ProjectScope, trace_id: str, tree_depth: int | None = render.TREE_DEPTH
) -> dict[str, Any]:
    """The trace with its totals, its observations (flat, by start time, and as a tree nested at
    most `tree_depth` levels, see `render.tree`), scores."""
    with rt.db.reader.connect() as conn:
        row = store.get_trace(conn, scope.project_rowid, trace_id)
        if row is None:
            raise NotFound(f"No trace {trace_id!r}.")
        observations = [
            render.observation(o)
            for o in store.trace_observations(conn, scope.project_rowid, trace_id)
        ]
        scores = [render.score(s) for s in store.trace_scores(conn, scope.project_rowid, trace_id)]
    body = render.trace(row)
    body["observations"] = observations
    body["tree"] = render.tree(observations, tree_depth)
    body["scores"] = scores
    return body


def diff_traces(rt: Runtime, scope: ProjectScope, a: str, b: str) -> dict[str, Any]:
    """Trace `a` against trace `b`, both of this project (see `traces.diff.compare`)."""
    return diff.compare(get_trace(rt, scope, a), get_trace(rt, scope, b))


def delete_trace(rt: Runtime, scope: ProjectScope, trace_id: str) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        if not store.delete_trace(conn, scope.project_rowid, trace_id):
            raise NotFound(f"No trace {trace_id!r}.")
        audit.record(conn, "trace.delete", ("trace", trace_id), project_rowid=scope.project_rowid)


def record_export(rt: Runtime, scope: ProjectScope, body: ExportIn) -> None:
    """An audit entry for an export of the project's traces (kind, filters, count)."""
    with rt.db.writer.begin() as conn:
        audit.record(
            conn,
            "trace.export",
            ("project", scope.project_id),
            project_rowid=scope.project_rowid,
            after=body.model_dump(),
        )
