"""Request models of the git-links and CI-runs APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel
from tracehouse.vcs.gates import GateIn

SHA_PATTERN = r"^[0-9a-fA-F]{7,64}$"
CiStatus = Literal["queued", "running", "passed", "failed", "canceled", "error"]


class GitLinkIn(RequestModel):
    """A commit, and the traces and sessions it produced."""

    repository_url: str = Field(min_length=1, max_length=1000)
    commit_sha: str = Field(pattern=SHA_PATTERN, description="7 to 64 hex digits.")
    branch: str | None = Field(None, max_length=300)
    message: str | None = Field(None, max_length=20_000)
    author: str | None = Field(None, max_length=300)
    committed_at: datetime | None = None
    dirty: bool = Field(False, description="The working tree had uncommitted changes.")
    uncommitted_changes: Any = Field(
        None, description="A summary of them (e.g. files and line counts): any JSON."
    )
    trace_ids: list[str] = Field(default_factory=list, max_length=1000)
    session_ids: list[str] = Field(default_factory=list, max_length=1000)
    ci_run_id: str | None = Field(None, max_length=64)


class GitLinkQuery(BaseModel):
    repository_url: str | None = None
    branch: str | None = None
    commit_sha: str | None = None
    trace_id: str | None = None


class CiRunIn(RequestModel):
    """A CI run: where it ran, on which commit, how it went, and the traces it produced."""

    provider: str = Field(min_length=1, max_length=50, description="github, gitlab, ...")
    pipeline: str | None = Field(None, max_length=300)
    job: str | None = Field(None, max_length=300)
    run_id: str | None = Field(None, max_length=300, description="The provider's run id.")
    run_url: str | None = Field(None, max_length=2000)
    commit_sha: str | None = Field(None, pattern=SHA_PATTERN)
    branch: str | None = Field(None, max_length=300)
    pull_request: str | None = Field(None, max_length=100)
    status: CiStatus = "running"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    trace_ids: list[str] = Field(default_factory=list, max_length=1000)


class CiRunUpdate(RequestModel):
    """Change the status or times, and link more traces."""

    status: CiStatus | None = None
    ended_at: datetime | None = None
    trace_ids: list[str] = Field(default_factory=list, max_length=1000)


class CiRunQuery(BaseModel):
    status: CiStatus | None = None
    branch: str | None = None
    commit_sha: str | None = None
    provider: str | None = None


class CheckIn(RequestModel):
    """Check the run's gates against its traces (and a baseline run's)."""

    gates: list[GateIn] = Field(min_length=1, max_length=50)
    baseline_run_id: str | None = Field(
        None, max_length=64, description="Default: the last passed run on `default_branch`."
    )
    default_branch: str = Field("main", min_length=1, max_length=300)
    finish: bool = Field(True, description="Set the run's status to passed or failed.")
