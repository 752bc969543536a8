"""`/api/public/...`: Langfuse's public API (ingestion, scores, projects, health and reads).

Errors keep Tracehouse's envelope and add Langfuse's top-level `message` (see http/errors.py).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from tracehouse import __version__
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
from tracehouse.health import check_database
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.responses import JSONResponse
from tracehouse.langfuse import reads, service
from tracehouse.langfuse.params import (
    ObservationQuery,
    ObservationV2Query,
    ScoreV2Query,
    ScoreV3Query,
    SessionQuery,
    TraceQuery,
)

router = APIRouter(prefix="/api/public", tags=["langfuse"])
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, PayloadTooLarge, RateLimited, Unavailable
)
_JSON_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}}


async def _json(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest("Invalid request data: the body is not valid JSON.") from exc


@router.get("/health", responses=error_responses(Unavailable), summary="Health (Langfuse)")
def health(rt: RuntimeDep) -> dict[str, Any]:
    """No auth. 503 when the database is unreachable."""
    check_database(rt)
    return {"status": "OK", "version": __version__}


@router.get("/projects", responses=_READ, summary="The caller's project (Langfuse auth check)")
def get_projects(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.projects(rt, scope)


@router.post(
    "/ingestion",
    status_code=207,
    responses=_WRITE,
    openapi_extra=_JSON_BODY,
    summary="Batch ingestion (Langfuse events)",
)
async def ingestion(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> JSONResponse:
    """`{"batch": [{id, type, timestamp, body}, …]}` with every Langfuse event type; answers
    207 `{successes, errors}` per event once the valid events are committed."""
    body = await service.ingest_events(rt, scope, await _json(request))
    return JSONResponse(body, status_code=207)


@router.post(
    "/scores",
    responses=_WRITE,
    openapi_extra=_JSON_BODY,
    summary="Create scores (one object, or an array)",
)
async def create_scores(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> JSONResponse:
    """An object answers 200 `{id}`; an array answers 202 `{"message": "Accepted"}`, or 207
    `{accepted, rejected, errors}` when some items were invalid (the valid ones are kept)."""
    status, body = await service.create_scores(rt, scope, await _json(request))
    return JSONResponse(body, status_code=status)


@router.delete("/scores/{score_id}", status_code=204, responses=_READ, summary="Delete a score")
def delete_score(score_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    reads.delete_score(rt, scope, score_id)
    return Response(status_code=204)


@router.get("/traces", responses=_READ, summary="List traces (Langfuse)")
def list_traces(
    query: Annotated[TraceQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return reads.list_traces(rt, scope, query)


@router.get("/traces/{trace_id:path}", responses=_READ, summary="Get a trace (Langfuse)")
def get_trace(trace_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return reads.get_trace(rt, scope, trace_id)


@router.delete("/traces/{trace_id:path}", responses=_READ, summary="Delete a trace (Langfuse)")
def delete_trace(trace_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    if not reads.delete_traces(rt, scope, [trace_id]):
        raise NotFound(f"Trace {trace_id} not found within authorized project")
    return {"message": "Trace deleted successfully"}


@router.delete(
    "/traces", responses=_READ, openapi_extra=_JSON_BODY, summary="Delete traces (Langfuse)"
)
async def delete_traces(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Body `{"traceIds": [...]}`; unknown ids are skipped."""
    payload = await _json(request)
    ids = payload.get("traceIds") if isinstance(payload, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidRequest("Invalid request data: traceIds must be an array of strings.")
    reads.delete_traces(rt, scope, ids)
    return {"message": "Traces deleted successfully"}


@router.get("/observations", responses=_READ, summary="List observations (Langfuse v1)")
def list_observations(
    query: Annotated[ObservationQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return reads.list_observations(rt, scope, query)


@router.get("/observations/{observation_id:path}", responses=_READ, summary="Get an observation")
def get_observation(observation_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return reads.get_observation(rt, scope, observation_id)


@router.get("/v2/observations", responses=_READ, summary="List observations (Langfuse v2)")
def list_observations_v2(
    query: Annotated[ObservationV2Query, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """Cursor pages; `fields` picks groups (core, basic, time, io, metadata, model, usage,
    prompt, metrics, trace_context); I/O come as raw strings."""
    return reads.list_observations_v2(rt, scope, query)


@router.get(
    "/sessions",
    responses={**_READ, **error_responses(Unavailable)},
    summary="List sessions (Langfuse)",
)
def list_sessions(
    query: Annotated[SessionQuery, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return reads.list_sessions(rt, scope, query)


@router.get("/sessions/{session_id:path}", responses=_READ, summary="Get a session (Langfuse)")
def get_session(session_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return reads.get_session(rt, scope, session_id)


@router.get("/v2/scores", responses=_READ, summary="List scores (Langfuse v2, pages)")
def list_scores_v2(
    query: Annotated[ScoreV2Query, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return reads.list_scores_v2(rt, scope, query)


@router.get("/v2/scores/{score_id:path}", responses=_READ, summary="Get a score (Langfuse v2)")
def get_score(score_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return reads.get_score(rt, scope, score_id)


@router.get("/v3/scores", responses=_READ, summary="List scores (Langfuse v3, cursor)")
def list_scores_v3(
    query: Annotated[ScoreV3Query, Query()], scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return reads.list_scores_v3(rt, scope, query)
