"""Request models of the checkpoints API, and the documented size limits."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from tracehouse.http.schemas import RequestModel

MAX_STATE_BYTES = 1024 * 1024  # the JSON state, encoded
MAX_FILE_BYTES = 5 * 1024 * 1024  # one file
MAX_FILES = 1000
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # state and every file of one checkpoint
KIND_PATTERN = r"^[A-Za-z0-9_.:-]{1,50}$"


class FileIn(RequestModel):
    """One file: text `content`, or bytes as `content_base64`."""

    path: str = Field(min_length=1, max_length=1000, pattern=r"^[^\x00-\x1f]+$")
    content: str | None = None
    content_base64: str | None = None

    @model_validator(mode="after")
    def _one_content(self) -> FileIn:
        if (self.content is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of `content` and `content_base64`")
        return self


class CheckpointIn(RequestModel):
    """A snapshot of an agent's state at a point of a run of `trace_id`."""

    trace_id: str = Field(min_length=1, max_length=300)
    observation_id: str | None = Field(None, max_length=300)
    session_id: str | None = Field(None, max_length=300)
    name: str | None = Field(None, max_length=300)
    step: int | None = Field(None, ge=0, le=2**31 - 1)
    kind: str = Field("state", pattern=KIND_PATTERN, description="state, files, memory, or yours.")
    state: Any = Field(None, description="Any JSON value (at most 1 MiB encoded).")
    files: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)
    metadata: dict[str, Any] | None = None


class CheckpointQuery(BaseModel):
    trace_id: str | None = None
    session_id: str | None = None
    kind: str | None = None
    name: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="`asc`: oldest first.")


class IncludeQuery(BaseModel):
    include: Literal["payload"] | None = Field(
        None, description="`payload` adds the state and every file's content."
    )
