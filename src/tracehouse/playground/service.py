"""Playground rules: who may run (writers: a run costs money), starting a run (targets resolved
and every stream opened before the first byte is answered), and saving the edited messages and
parameters as a new prompt version through the prompts service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.playground import runs, targets
from tracehouse.playground.schemas import RunIn, SaveIn
from tracehouse.prompts import render as prompt_render
from tracehouse.prompts import service as prompts
from tracehouse.prompts.schemas import VersionIn
from tracehouse.runtime import Runtime


async def start(rt: Runtime, scope: ProjectScope, body: RunIn) -> AsyncIterator[runs.Event]:
    """The run's events, every provider having accepted its call; a refusal, a missing
    credential or model raises here, before anything is answered or written."""
    scope.require_write()
    planned = targets.plan(rt, scope, body.targets)
    stack = AsyncExitStack()
    try:
        streams = await runs.open_all(stack, planned, body)
    except BaseException:
        await stack.aclose()
        raise
    recorder = runs.Recorder(rt, scope, body, new_id())
    return runs.events(recorder, stack, planned, streams)


async def run_to_end(events: AsyncIterator[runs.Event]) -> dict[str, Any]:
    """A run without streaming: its `done` event."""
    done: dict[str, Any] = {}
    async for kind, data in events:
        if kind == "done":
            done = data
    return done


def save_version(rt: Runtime, scope: ProjectScope, body: SaveIn) -> dict[str, Any]:
    """The next version of prompt `name` (created when new): the messages as a chat prompt and
    model, provider and parameters as its config."""
    config: dict[str, Any] = body.params.model_dump(exclude_none=True)
    if body.model:
        config["model"] = body.model
    if body.provider:
        config["provider"] = body.provider
    version = VersionIn(
        type="chat",
        prompt=[m.model_dump() for m in body.messages],
        config=config,
        labels=body.labels,
        commit_message=body.commit_message or "Saved from the playground",
    )
    return prompt_render.version(prompts.create_version(rt, scope, body.name, version))
