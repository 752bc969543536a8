"""`/api/v1/traces`: create or update, list with filters, get as a tree, compare two, delete,
feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery
from tracehouse.ingest.decoders.native import TraceIn
from tracehouse.ingest.service import ingest
from tracehouse.records import Batch
from tracehouse.scores import service as scores
from tracehouse.scores.schemas import FeedbackIn
from tracehouse.traces import service
from tracehouse.traces.filters import TraceListParams
from tracehouse.traces.schemas import ExportIn

router = APIRouter(prefix="/api/v1/traces", tags=["traces"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    RateLimited,
    Unavailable,
)


@router.post("", status_code=201, responses=_WRITE, summary="Create or update a trace")
async def create_trace(body: TraceIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Create a trace, or update the one with the same `id` (fields given replace, metadata
    merges, tags add up), optionally with observations. Answers once the data is committed."""
    trace, observations = body.records()
    await ingest(rt, scope, Batch(traces=[trace], observations=observations))
    return {"id": trace.id, "observation_ids": [o.id for o in observations]}


@router.post("/batch", status_code=201, responses=_WRITE, summary="Create or update traces")
async def create_traces(
    body: Annotated[list[TraceIn], Body(max_length=1000)], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Up to 1,000 traces (each as in `POST /traces`) committed together: what SDKs send."""
    batch = Batch()
    for item in body:
        trace, observations = item.records()
        batch.traces.append(trace)
        batch.observations.extend(observations)
    await ingest(rt, scope, batch)
    return {"ids": [t.id for t in batch.traces]}


@router.get("", responses=_READ, summary="List traces")
def list_traces(
    params: Annotated[TraceListParams, Query()],
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Traces of the project, newest first by default, with filters and keyset pagination."""
    return service.list_traces(rt, scope, params, page)


@router.post("/exports", status_code=201, responses=_READ, summary="Record an export of traces")
def record_export(body: ExportIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Enters an export made over `GET /api/v1/traces` (format, table, filters, count) in the
    audit log as `trace.export`; `tracehouse export` calls it before it starts."""
    service.record_export(rt, scope, body)
    return {"action": "trace.export", "count": body.count}


# Trace ids are any string (OTel and Langfuse allow `/`), hence `:path`. The `/feedback` routes
# come first so they win: an id that itself ends in `/feedback` cannot be read by GET here.
@router.post("/{trace_id:path}/feedback", status_code=201, responses=_WRITE, summary="Add feedback")
async def add_feedback(
    trace_id: str, body: FeedbackIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Thumbs up (+1) or down (-1) with an optional note, stored as a `feedback` score."""
    return await scores.add_feedback(rt, scope, trace_id, body)


@router.get("/{trace_id:path}/feedback", responses=_READ, summary="List feedback")
def list_feedback(trace_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return scores.list_feedback(rt, scope, trace_id)


@router.get("/{a:path}/diff/{b:path}", responses=_READ, summary="Compare two traces")
def diff_traces(a: str, b: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Trace `a` against trace `b` step by step: steps aligned by their place in the tree (type,
    name and rank among like-named siblings), `divergence` (the first step added, removed or
    with a different input or output), bounded unified diffs of inputs and outputs, and the
    deltas (b minus a) of tokens, cost, latency, errors and scores."""
    return service.diff_traces(rt, scope, a, b)


@router.get("/{trace_id:path}", responses=_READ, summary="Get a trace with its observation tree")
def get_trace(trace_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The id may contain `/`, spaces or any Unicode (percent-encode what a URL needs)."""
    return service.get_trace(rt, scope, trace_id)


@router.delete("/{trace_id:path}", status_code=204, responses=_WRITE, summary="Delete a trace")
def delete_trace(trace_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Delete the trace with its observations and scores."""
    service.delete_trace(rt, scope, trace_id)
    return Response(status_code=204)
