"""`/api/v1/forks`: fork a trace at a span (or fork a fork), list, get, delete, replay it (on
the server, or link an SDK replay), its replays, and the diff of the fork's latest replay
against its source trace; `/api/v1/replays/{id}`: one replay."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from tracehouse.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.forks import replays, service
from tracehouse.forks.schemas import ForkIn, ForkListParams, ReplayIn, SdkReplayIn
from tracehouse.http.auth import (
    ProjectScope,
    ProjectScopeDep,
    RuntimeDep,
    ai_per_minute,
    endpoint_limit,
)
from tracehouse.http.errors import error_responses
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/forks", tags=["forks"])
replays_router = APIRouter(prefix="/api/v1/replays", tags=["forks"])
ReplayScope = Annotated[ProjectScope, Depends(endpoint_limit("fork-replay", ai_per_minute))]
_READ = error_responses(InvalidRequest, Unauthorized, NotFound, ValidationFailed, RateLimited)
_WRITE = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited
)


@router.post("", status_code=201, responses=_WRITE, summary="Fork a trace at a span")
def create_fork(body: ForkIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """Records the source trace, the span, the modifications (model, provider, messages,
    parameters, tool result overrides) and the prefix: the steps completed before the span,
    with their recorded inputs and outputs. An unknown trace or span answers 404, an override
    of a step the trace does not have 400; nothing is written then."""
    return service.create(rt, scope, body)


@router.get("", responses=_READ, summary="List forks")
def list_forks(
    params: Annotated[ForkListParams, Query()], page: PageQuery, scope: ProjectScopeDep,
    rt: RuntimeDep,
) -> dict[str, Any]:  # fmt: skip
    """The project's forks (of one trace with `trace_id`), newest first, without prefixes."""
    return service.list_forks(rt, scope, params, page)


@router.get("/{fork_id}", responses=_READ, summary="Get a fork")
def get_fork(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The fork with its prefix and its latest replay (or null)."""
    return service.get(rt, scope, fork_id)


@router.delete("/{fork_id}", status_code=204, responses=_WRITE, summary="Delete a fork")
def delete_fork(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    """Its replay records go with it; replay traces stay. Forks of it keep their own data."""
    service.delete(rt, scope, fork_id)
    return Response(status_code=204)


@router.get(
    "/{fork_id}/diff", responses={**_READ, **error_responses(Conflict)}, summary="Diff a fork"
)
def fork_diff(fork_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """The source trace (a) against the fork's latest replay trace (b), as
    `GET /api/v1/traces/{a}/diff/{b}` answers; 409 `conflict` while the fork has no replay."""
    return service.fork_diff(rt, scope, fork_id)


@router.post(
    "/{fork_id}/replay", status_code=202, responses=_WRITE, summary="Replay a fork on the server"
)
async def replay_fork(
    fork_id: str, body: ReplayIn, scope: ReplayScope, rt: RuntimeDep
) -> dict[str, Any]:
    """Queue a server replay with these modifications laid over the fork's, and answer with it
    (`state: queued`); it runs in the background: steps before the fork point served from the
    recording, then the project's provider from the fork point on, tool calls answered by an
    override or a matching recorded call (else it stops in `needs_agent`, naming the step).
    It writes a new trace and announces `fork.replayed` on `/ws` when it ends. Capped per
    caller like every AI-backed route. A provider without a credential, an override of a step
    the trace lacks, or a fork point with no generation at or after it is `400`."""
    return await replays.start(rt, scope, fork_id, body)


@router.post("/{fork_id}/replays", status_code=201, responses=_WRITE, summary="Link an SDK replay")
def link_replay(
    fork_id: str, body: SdkReplayIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """What the SDK calls when a run replayed in your own code goes live: links its trace to the
    fork (`mode: sdk`, `state: completed`; the trace fills in as the SDK delivers it)."""
    return replays.link_sdk(rt, scope, fork_id, body)


@router.get("/{fork_id}/replays", responses=_READ, summary="List a fork's replays")
def list_replays(
    fork_id: str, page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """The fork's replays, server and SDK, newest first."""
    return replays.list_replays(rt, scope, fork_id, page)


@replays_router.get("/{replay_id}", responses=_READ, summary="Get a replay")
def get_replay(replay_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """One replay: `state` (queued, running, completed, needs_agent, failed), `steps_done`,
    `trace_id` once written, `message` and, for `needs_agent`, `stop` (the tool, its
    arguments, the recorded step to override, the position)."""
    return replays.get(rt, scope, replay_id)
