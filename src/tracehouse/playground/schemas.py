"""Request models of `/api/v1/playground`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from tracehouse.http.bounds import MAX_INT32
from tracehouse.http.schemas import RequestModel

#: How many models one run may compare side by side.
MAX_TARGETS = 6


class Message(RequestModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=200_000)


class Params(RequestModel):
    """Model parameters; an unknown name is refused (it would be silently ignored otherwise)."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=200_000)
    top_p: float | None = Field(None, gt=0, le=1)
    stop: list[str] | None = Field(None, max_length=4)
    tools: list[dict[str, Any]] | None = Field(
        None, max_length=64, description="Function tools in OpenAI's format (`{type, function}`)."
    )


class Target(RequestModel):
    provider: str | None = Field(
        None,
        max_length=200,
        description="A provider credential (id or name), or a kind (`openai`, `azure`, "
        "`anthropic`: the project's first credential of that kind). Omitted: the project's "
        "only credential.",
    )
    model: str | None = Field(
        None, min_length=1, max_length=200, description="Omitted: the credential's default."
    )


class Source(RequestModel):
    """Where the messages came from, kept in the run's trace metadata."""

    trace_id: str | None = Field(None, max_length=500)
    observation_id: str | None = Field(None, max_length=500)
    prompt_name: str | None = Field(None, max_length=500)
    prompt_version: int | None = Field(None, ge=1, le=MAX_INT32)


class RunIn(RequestModel):
    messages: list[Message] = Field(min_length=1, max_length=500)
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)
    params: Params = Field(default_factory=Params)
    stream: bool = Field(True, description="Server-sent events; false: one JSON answer.")
    source: Source | None = None


class SaveIn(RequestModel):
    """The playground's messages and parameters saved as the next version of a prompt."""

    name: str = Field(min_length=1, max_length=500)
    messages: list[Message] = Field(min_length=1, max_length=500)
    model: str | None = Field(None, max_length=200)
    provider: str | None = Field(None, max_length=200)
    params: Params = Field(default_factory=Params)
    labels: list[str] = Field(default_factory=list)
    commit_message: str | None = Field(None, max_length=10_000)
