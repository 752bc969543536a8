"""Request and query models of the forks API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel


class ToolResultIn(RequestModel):
    """The output a replay uses for one recorded step (a tool call) instead of the recorded one."""

    span_id: str = Field(min_length=1, max_length=300)
    output: Any


class ModificationsIn(RequestModel):
    """What the replay changes from the fork point on; anything left out stays as recorded."""

    model: str | None = Field(None, max_length=300)
    provider: str | None = Field(None, max_length=100)
    messages: list[dict[str, Any]] | None = Field(
        None, max_length=1000, description="The fork point's messages, system prompt included."
    )
    parameters: dict[str, Any] | None = Field(
        None, description="Model parameters: temperature, max_tokens, tools, response_format..."
    )
    tool_results: list[ToolResultIn] = Field(default_factory=list, max_length=1000)


class ForkIn(RequestModel):
    """Fork a trace of this project at one of its spans. With `from_fork_id`, fork that fork:
    its trace and span unless given, its modifications with these laid over them."""

    trace_id: str | None = Field(None, min_length=1, max_length=300)
    span_id: str | None = Field(None, min_length=1, max_length=300)
    from_fork_id: str | None = Field(None, max_length=36)
    name: str | None = Field(None, max_length=300)
    modifications: ModificationsIn = Field(default_factory=ModificationsIn)


class ReplayIn(ModificationsIn):
    """Run the fork on the server: these modifications are laid over the fork's (tool result
    overrides merge by step). The project's provider credential named by `provider` (an id, a
    name, or a kind: openai, azure, anthropic) answers from the fork point on; without one, the
    credential of the recorded generation's provider kind, else the project's oldest."""

    max_steps: int = Field(20, ge=1, le=200, description="Generations the replay may make.")


class SdkReplayIn(RequestModel):
    """A replay run in the caller's own code by the SDK: the trace it writes, linked to the fork."""

    trace_id: str = Field(min_length=1, max_length=300)
    live_from: int | None = Field(
        None, ge=0, description="How many recorded calls were served before the run went live."
    )
    sdk: str | None = Field(None, max_length=100)


class ForkListParams(BaseModel):
    trace_id: str | None = Field(None, max_length=300, description="Only forks of this trace.")
