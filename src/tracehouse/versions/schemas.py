"""Query models of the versions API: a version is `commit:<sha>`, `branch:<name>`,
`release:<name>` or `ci_run:<id>`, over traces that also match the usual trace filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from tracehouse.errors import InvalidRequest
from tracehouse.traces.filters import TraceFilters

KINDS = ("commit", "branch", "release", "ci_run")
SHA = re.compile(r"^[0-9a-fA-F]{4,64}$")
#: The trace filter each kind of version sets.
FILTER_OF = {"commit": "commit", "branch": "branch", "release": "release", "ci_run": "ci_run"}


@dataclass(frozen=True, slots=True)
class Version:
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    def filters(self, base: TraceFilters) -> TraceFilters:
        """The base filters narrowed to this version's traces."""
        return base.model_copy(update={FILTER_OF[self.kind]: self.value})


def parse(text: str, field: str) -> Version:
    """`kind:value`; a commit must be 4-64 hex digits (a prefix)."""
    kind, sep, value = text.partition(":")
    if not sep or kind not in KINDS or not value.strip() or len(value) > 1000:
        message = f"`{field}` is not a version: give commit:<sha>, branch:<name>, "
        raise InvalidRequest(message + "release:<name> or ci_run:<id>.", {"field": field})
    if kind == "commit" and not SHA.match(value):
        raise InvalidRequest(f"`{field}`: {value!r} is not a commit sha.", {"field": field})
    return Version(kind, value.lower() if kind == "commit" else value)


class CompareQuery(TraceFilters):
    a: str = Field(description="The version compared against (the baseline): `kind:value`.")
    b: str = Field(description="The version compared: `kind:value`.")
    explain: int = Field(5, ge=0, le=50, description="Traces listed per changed figure.")


class VersionListQuery(TraceFilters):
    by: Literal["commit", "branch", "release"] = "commit"
    limit: int = Field(50, ge=1, le=500, description="The most recent versions, at most.")
