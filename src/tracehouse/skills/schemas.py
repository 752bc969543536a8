"""Request models of the skills API (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tracehouse.http.bounds import MAX_INT32, JsonObject
from tracehouse.http.schemas import RequestModel

Scope = Literal["project", "organization"]


class SkillPatch(RequestModel):
    """A new version: each field omitted is carried over from the newest version."""

    description: str | None = Field(None, max_length=10_000)
    body: str | None = Field(None, max_length=1_000_000, description="Markdown instructions.")
    metadata: JsonObject | None = None
    tags: list[str] | None = Field(None, description="Replace the skill's tags.")
    files: dict[str, str] | None = Field(None, description="File name -> text, shipped along.")
    labels: list[str] = Field(default_factory=list, description="`latest` is always added.")
    commit_message: str | None = Field(None, max_length=10_000)


class SkillIn(SkillPatch):
    """A skill with its first version."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][\w.\-]*$")
    scope: Scope = Field("project", description="`organization`: every project sees it.")
    body: str = Field(max_length=1_000_000, description="Markdown instructions.")


class SkillFilters(BaseModel):
    scope: Scope | None = None
    tags: str | None = Field(None, description="Comma-separated: skills having every tag.")
    name: str | None = None


class SkillSelector(BaseModel):
    """Which version: `version`, or `label`; neither means `production`, else `latest`."""

    version: int | None = Field(None, ge=1, le=MAX_INT32)
    label: str | None = None


class DiffQuery(BaseModel):
    base: int = Field(alias="from", ge=1, le=MAX_INT32, description="The older version.")
    head: int = Field(alias="to", ge=1, le=MAX_INT32, description="The newer version.")
