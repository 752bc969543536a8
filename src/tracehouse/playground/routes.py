"""`/api/v1/playground`: run messages on one or several models with streamed output (server-sent
events), save them as a prompt version, and open a generation or prompt version as a draft."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tracehouse.errors import InvalidRequest, ProviderFailed
from tracehouse.http.auth import (
    ProjectScope,
    ProjectScopeDep,
    RuntimeDep,
    ai_per_minute,
    endpoint_limit,
)
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.errors import error_responses
from tracehouse.playground import drafts, runs, service
from tracehouse.playground.schemas import RunIn, SaveIn

router = APIRouter(prefix="/api/v1/playground", tags=["playground"])
RunScope = Annotated[ProjectScope, Depends(endpoint_limit("playground-run", ai_per_minute))]
_RUN_ERRORS = {
    **WRITE_ERRORS,
    **error_responses(ProviderFailed),
    200: {"content": {"text/event-stream": {}}, "description": "The run's events."},
}


async def sse(events: AsyncIterator[runs.Event]) -> AsyncIterator[bytes]:
    """Server-sent events: `event: <kind>` and one JSON `data:` line each."""
    async for kind, data in events:
        yield f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n".encode()


def answer(events: AsyncIterator[runs.Event]) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(sse(events), media_type="text/event-stream", headers=headers)


@router.post("/runs", responses=_RUN_ERRORS, summary="Run messages on one or several models")
async def run(body: RunIn, scope: RunScope, rt: RuntimeDep) -> Response:
    """Every target (a provider credential and a model) gets the same messages and parameters.
    With `stream` (the default) the answer is `text/event-stream`: `start` (the runs and their
    trace ids), `delta` (`{index, text}`) as tokens arrive, `run` per finished target (text,
    tool calls, usage, cost, latency, time to first token, error) and `done`. Without it, the
    `done` event's body as JSON. Each target's call is recorded as a trace tagged
    `playground`. A missing credential or model, bad parameters and a provider's refusal (an
    unknown model) answer 4xx before anything is written; a provider's 5xx or timeout, 502.
    Needs write access; AI-backed: capped at `ai_rate_limit_per_minute` calls a minute."""
    events = await service.start(rt, scope, body)
    if body.stream:
        return answer(events)
    return JSONResponse(await service.run_to_end(events))


@router.post(
    "/prompt-versions",
    status_code=201,
    responses=WRITE_ERRORS,
    summary="Save playground messages as a prompt version",
)
def save(body: SaveIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The messages as the next version of chat prompt `name` (created when new); model,
    provider and parameters as its config. The version as `GET /api/v1/prompts/{name}` shows
    it."""
    return service.save_version(rt, scope, body)


@router.get("/draft", responses=READ_ERRORS, summary="A generation or prompt version as a draft")
def draft(
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    observation_id: Annotated[str | None, Query(max_length=500)] = None,
    prompt_name: Annotated[str | None, Query(max_length=500)] = None,
    prompt_version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """What the playground opens with: editable messages, model, provider kind and parameters
    of a recorded generation (`observation_id`) or a prompt version (`prompt_name` and
    `prompt_version`)."""
    if observation_id:
        return drafts.from_generation(rt, scope, observation_id)
    if prompt_name and prompt_version:
        return drafts.from_prompt(rt, scope, prompt_name, prompt_version)
    raise InvalidRequest("Give `observation_id`, or `prompt_name` and `prompt_version`.")
