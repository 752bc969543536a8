"""Request models of `/api/v1/memory` (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from tracehouse.http.bounds import JsonObject
from tracehouse.http.schemas import RequestModel

MAX_SCOPE = 500
MAX_LABEL = 100
#: Ten years: a longer time to live is "never".
MAX_TTL_SECONDS = 10 * 365 * 86_400


def scope_path(value: Any) -> str:
    """A namespace as its path: a list of labels, or labels joined by `/`."""
    labels = value if isinstance(value, list | tuple) else str(value).strip("/").split("/")
    labels = [str(label).strip() for label in labels]
    if not labels or any(not label for label in labels):
        raise ValueError("a namespace path of non-empty labels, e.g. user/alice")
    for label in labels:
        if "/" in label or len(label) > MAX_LABEL:
            raise ValueError(f"labels have at most {MAX_LABEL} characters and no `/`")
    path = "/".join(labels)
    if len(path) > MAX_SCOPE:
        raise ValueError(f"at most {MAX_SCOPE} characters")
    return path


ScopePath = Annotated[str, BeforeValidator(scope_path)]
Mode = Literal["auto", "semantic", "keyword"]


class MemoryPatch(RequestModel):
    """Fields to change; `ttl: null` makes the entry permanent, an omitted field is kept."""

    content: str | None = Field(None, min_length=1, max_length=100_000)
    category: str | None = Field(None, max_length=200)
    metadata: JsonObject | None = None
    importance: float | None = Field(None, ge=0, le=1)
    ttl: float | None = Field(
        None, gt=0, le=MAX_TTL_SECONDS, description="Seconds from now until the entry expires."
    )

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value


class MemoryIn(MemoryPatch):
    """A memory entry. The same content stored twice in one scope updates the entry (or, with
    a `key`, the entry stored under that key in the scope)."""

    content: str = Field(min_length=1, max_length=100_000)
    scope: ScopePath = Field(
        description="Namespace path, e.g. `user/alice`, `agent/support/session/s-1`, `project`; "
        "a list of labels is accepted too."
    )
    key: str | None = Field(None, min_length=1, max_length=200)


def _optional_scope(value: Any) -> Any:
    return None if value is None or value == "" else scope_path(value)


class MemoryFilters(BaseModel):
    scope: str | None = Field(None, description="A namespace path: it and everything below it.")
    category: str | None = Field(None, max_length=200)
    key: str | None = Field(None, max_length=200, description="Entries stored under this key.")

    _scope = field_validator("scope", mode="before")(_optional_scope)


class ScopeQuery(BaseModel):
    prefix: str | None = Field(None, description="Only this scope and the scopes below it.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000)

    _prefix = field_validator("prefix", mode="before")(_optional_scope)


class MemorySearchIn(RequestModel):
    query: str = Field(min_length=1, max_length=10_000)
    scope: str | None = Field(
        None,
        description="A namespace path (or a list of labels): it and everything below it.",
    )
    category: str | None = Field(None, max_length=200)
    metadata: JsonObject | None = Field(None, description="Entries whose metadata has each pair.")
    limit: int = Field(10, ge=1, le=100)
    min_score: float | None = Field(None, ge=-1, le=1)
    mode: Mode = Field(
        "auto", description="`auto`: semantic when the project has an embedder, else keyword."
    )

    _scope = field_validator("scope", mode="before")(_optional_scope)

    @field_validator("query")
    @classmethod
    def _query_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()
