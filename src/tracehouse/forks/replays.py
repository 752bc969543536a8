"""Replays of a fork: start a server replay (checked, queued, then run in the background and
written as a new trace), link an SDK replay's trace, list and read them, and announce each
end as `fork.replayed` on `/ws`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from tracehouse import jsontext
from tracehouse.clock import now_us
from tracehouse.errors import NotFound
from tracehouse.forks import plan as plans
from tracehouse.forks import runner, store
from tracehouse.forks.schemas import ReplayIn, SdkReplayIn
from tracehouse.forks.service import (
    find,
    merged_modifications,
    own,
    render_replay,
    validate_overrides,
)
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.ingest.service import ingest
from tracehouse.live.events import Written
from tracehouse.providers import service as providers
from tracehouse.providers.client import Completion, Provider, chat
from tracehouse.runtime import Runtime
from tracehouse.traces import service as traces

log = logging.getLogger(__name__)
FINAL = ("completed", "failed", "needs_agent")
#: Seconds between two progress writes of a running replay.
PROGRESS_EVERY = 0.5
#: Replays running in this process, with the runtime of each (a reference keeps each task
#: alive until it ends).
_RUNNING: dict[asyncio.Task[None], Runtime] = {}


async def start(rt: Runtime, scope: ProjectScope, fork_id: str, body: ReplayIn) -> dict[str, Any]:
    """Check the request (unknown fork 404; a provider without a credential, an override of a
    step the trace lacks, nothing to replay: 400; nothing written then), record the replay as
    `queued` and run it in the background."""
    replay, plan, target = await asyncio.to_thread(_prepare, rt, scope, fork_id, body)
    task = asyncio.get_running_loop().create_task(
        _run(rt, scope, replay, plan, target), name=f"replay-{replay['id']}"
    )
    _RUNNING[task] = rt
    task.add_done_callback(lambda done: _RUNNING.pop(done, None))
    return replay


async def stop(rt: Runtime) -> None:
    """Cancel this server's replays (when it stops): each ends `failed`, saying why."""
    tasks = [task for task, owner in _RUNNING.items() if owner is rt]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _prepare(
    rt: Runtime, scope: ProjectScope, fork_id: str, body: ReplayIn
) -> tuple[dict[str, Any], plans.Plan, Provider]:
    scope.require_write()
    fork = find(rt, scope, fork_id)
    source = traces.get_trace(rt, scope, fork["trace_id"])
    modifications = merged_modifications(fork["modifications"], body)
    validate_overrides(source, modifications["tool_results"])
    point = next((o for o in source["observations"] if o["id"] == fork["span_id"]), None)
    if point is None:
        raise NotFound(f"Step {fork['span_id']!r} is gone from trace {fork['trace_id']!r}.")
    target, default_model, credential = providers.choose(
        rt, scope.project_rowid, modifications.get("provider"), point.get("provider")
    )
    plan = plans.make(source, fork["span_id"], modifications, default_model, body.max_steps)
    replay = _insert(rt, scope, fork_id, modifications | {"provider": credential["name"]})
    return replay, plan, target


def _insert(
    rt: Runtime, scope: ProjectScope, fork_id: str, request: dict[str, Any], *,
    mode: str = "server", state: str = "queued", trace_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    now = now_us()
    values: dict[str, Any] = {
        "id": new_id(), "trace_id": trace_id, "state": state, "message": None, "mode": mode,
        "request": jsontext.dumps(request), "stop": None, "steps_done": 0, "created_at": now,
        "started_at": None,
        "finished_at": now if state in FINAL else None,
    }  # fmt: skip
    with rt.db.writer.begin() as conn:
        values["fork_rowid"] = own(conn, scope, fork_id)["fork_rowid"]
        store.insert_replay(conn, values)
    return render({**values, "fork_id": fork_id})


async def _run(
    rt: Runtime, scope: ProjectScope, replay: dict[str, Any], plan: plans.Plan, target: Provider
) -> None:
    """The background half: run, write the trace through ingestion, record the end."""
    try:
        await _update(rt, scope, replay, {"state": "running", "started_at": now_us()})
        outcome = await runner.run(
            plan, _caller(target, plan), provider_kind=target.kind,
            metadata={"fork_id": replay["fork_id"], "replay_id": replay["id"],
                      "source_trace_id": plan.source["id"]},
            progress=_progress(rt, scope, replay),
        )  # fmt: skip
        await ingest(rt, scope, outcome.batch(), shed=False)
        end = {
            "state": outcome.state, "message": outcome.message, "trace_id": outcome.trace.id,
            "steps_done": outcome.steps_done, "stop": jsontext.dumps(outcome.stop),
        }  # fmt: skip
    except asyncio.CancelledError:
        stopped = {"state": "failed", "message": "The server stopped before the replay ended."}
        await _update(rt, scope, replay, {**stopped, "finished_at": now_us()}, announce=True)
        raise
    except Exception as exc:  # a replay must end in a state, whatever went wrong
        log.exception("replay %s failed", replay["id"])
        end = {"state": "failed", "message": f"{type(exc).__name__}: {exc}"}
    await _update(rt, scope, replay, {**end, "finished_at": now_us()}, announce=True)


def _progress(rt: Runtime, scope: ProjectScope, replay: dict[str, Any]) -> runner.Progress:
    """Record how many generations are done, at most every PROGRESS_EVERY seconds (a write
    per generation would cost more than the replay's own work)."""
    last = [time.monotonic()]

    async def progress(done: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY:
            last[0] = time.monotonic()
            await _update(rt, scope, replay, {"steps_done": done})

    return progress


def _caller(target: Provider, plan: plans.Plan) -> runner.Call:
    async def call(messages: list[dict[str, Any]]) -> Completion:
        return await chat(target, plan.model, messages, options=plan.options)

    return call


async def _update(
    rt: Runtime, scope: ProjectScope, replay: dict[str, Any], values: dict[str, Any],
    announce: bool = False,
) -> None:  # fmt: skip
    """Change the replay's row; with `announce`, publish `fork.replayed` in the same commit."""
    written = [Written(scope.project_rowid)]

    def write() -> None:
        with rt.db.writer.begin() as conn:
            row = store.find_replay(conn, scope.project_rowid, replay["id"])
            if row is None:  # its fork was deleted meanwhile
                return
            store.update_replay(conn, row["replay_rowid"], values)
            if announce:
                shown = render(store.find_replay(conn, scope.project_rowid, replay["id"]))
                written[0].events.append({"type": "fork.replayed", "replay": shown})
                rt.broker.stage(conn, written)

    await asyncio.to_thread(write)
    if written[0].events:
        rt.broker.committed(written)


def link_sdk(rt: Runtime, scope: ProjectScope, fork_id: str, body: SdkReplayIn) -> dict[str, Any]:
    """Link a trace the SDK is writing (replayed in the user's own code) to the fork."""
    scope.require_write()
    request = {"sdk": body.sdk, "live_from": body.live_from}
    return _insert(rt, scope, fork_id, request, mode="sdk", state="completed",
                   trace_id=body.trace_id)  # fmt: skip


def list_replays(
    rt: Runtime, scope: ProjectScope, fork_id: str, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_replays(conn, own(conn, scope, fork_id)["fork_rowid"], page)
    rows = [{**r, "fork_id": fork_id} for r in rows]
    return page_body(rows, page, total, render, lambda r: (r["created_at"], r["replay_rowid"]))


def get(rt: Runtime, scope: ProjectScope, replay_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.find_replay(conn, scope.project_rowid, replay_id)
    if row is None:
        raise NotFound(f"No replay {replay_id!r} in this project.")
    return render(row)


def render(row: Any) -> dict[str, Any]:
    """A replay row that carries its fork's id."""
    return render_replay(row, row["fork_id"]) or {}
