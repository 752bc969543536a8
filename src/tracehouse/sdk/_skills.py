"""Skills from the server, cached in the client like prompts (see `_cache`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracehouse.sdk._observation import Observation

#: The metadata key that links an observation to the skill versions it loaded; the server
#: counts each version's traces, cost and scores by it.
SKILL_KEY = "tracehouse.skill"


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


def link(observation: Observation | None, skill: Skill) -> None:
    """Name the skill version in the observation's metadata (`tracehouse.skill`:
    `"name@version"`, a list once several were loaded); nothing for a fallback."""
    if observation is None or observation.ended or skill.is_fallback:
        return
    ref = f"{skill.name}@{skill.version}"
    had = (observation.fields.get("metadata") or {}).get(SKILL_KEY)
    refs = [had] if isinstance(had, str) else list(had or [])
    if ref not in refs:
        refs.append(ref)
    observation.update(metadata={SKILL_KEY: refs[0] if len(refs) == 1 else refs})
