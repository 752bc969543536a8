"""Skills from the server, cached in the client like prompts (see `_cache`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skill:
    """One version of a skill: Markdown instructions, with metadata and files."""

    name: str
    version: int
    body: str
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: True when this is the `fallback` given to `get_skill`, not a version from the server.
    is_fallback: bool = False


def skill_from_body(body: dict[str, Any]) -> Skill:
    return Skill(
        name=body["name"],
        version=int(body["version"]),
        body=body["body"],
        description=body.get("description"),
        metadata=body.get("metadata") or {},
        files=body.get("files") or {},
        tags=list(body.get("tags") or []),
        labels=list(body.get("labels") or []),
    )
