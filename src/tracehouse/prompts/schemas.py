"""Request models of the prompts API (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tracehouse.http.bounds import MAX_INT32, JsonObject
from tracehouse.http.schemas import RequestModel


class VersionIn(RequestModel):
    """A new version of a prompt. `tags` replace the prompt's tags; omitted, they are kept."""

    type: Literal["text", "chat"] | None = Field(
        None, description="Defaults to the prompt's type, or `text` for a new prompt."
    )
    prompt: str | list[dict[str, Any]] = Field(
        description="Text with `{{variables}}`, or chat messages `{role, content}` and "
        "placeholders `{type: 'placeholder', name}`."
    )
    config: dict[str, Any] | None = Field(None, description="Model, parameters, anything.")
    labels: list[str] = Field(default_factory=list, description="`latest` is always added.")
    tags: list[str] | None = None
    commit_message: str | None = Field(None, max_length=10_000)
    author: str | None = Field(None, max_length=200)


class PromptIn(VersionIn):
    """A prompt version, created under `name` (the prompt is created with its first version)."""

    name: str = Field(min_length=1, max_length=500)


class LabelsIn(RequestModel):
    """Labels to put on a version; each moves off whichever version had it."""

    labels: list[str] = Field(min_length=1)


class LabelMoveIn(RequestModel):
    version: int = Field(ge=1, le=MAX_INT32)


class CompileIn(RequestModel):
    variables: JsonObject = Field(default_factory=dict)
    placeholders: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="Chat messages for each placeholder, by name."
    )


class Selector(BaseModel):
    """Which version: `version`, or `label`; neither means `production`, else `latest`."""

    label: str | None = None
    version: int | None = Field(None, ge=1, le=MAX_INT32)
    resolve: bool = Field(True, description="Replace references to other prompts by their text.")


class PromptFilters(BaseModel):
    name: str | None = None
    label: str | None = None
    tag: str | None = None
