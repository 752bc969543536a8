"""Request models of the collaboration API (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tracehouse.http.schemas import RequestModel

CommentTarget = Literal["trace", "observation", "session", "prompt_version"]
AssignmentTarget = Literal["trace", "session"]
Status = Literal["open", "resolved"]


class CommentIn(RequestModel):
    """A comment on a trace, an observation, a session or a prompt version (by its `id`)."""

    target_type: CommentTarget = "trace"
    target_id: str | None = Field(None, min_length=1, max_length=300)
    trace_id: str | None = Field(
        None, min_length=1, max_length=300, description="Shorthand for a trace target."
    )
    body: str = Field(
        min_length=1, max_length=20_000, description="Markdown; `@email` mentions a member."
    )


class CommentEdit(RequestModel):
    body: str = Field(min_length=1, max_length=20_000)


class CommentQuery(BaseModel):
    """By `trace_id` (the trace's comments and its observations'), or by target."""

    trace_id: str | None = None
    target_type: CommentTarget | None = None
    target_id: str | None = None


class AssignmentIn(RequestModel):
    target_type: AssignmentTarget = "trace"
    target_id: str = Field(min_length=1, max_length=300)
    assignee: str = Field(min_length=3, max_length=320, description="A member's email.")
    note: str | None = Field(None, max_length=10_000)
    due_at: datetime | None = None


class AssignmentEdit(RequestModel):
    status: Status | None = None
    assignee: str | None = Field(None, min_length=3, max_length=320, description="Reassign.")
    note: str | None = Field(None, max_length=10_000)
    due_at: datetime | None = None


class AssignmentQuery(BaseModel):
    status: Status | None = None


class PreferencesIn(RequestModel):
    kinds: list[str] = Field(
        max_length=10, description="Kinds that reach the inbox: mention, assignment, resolved."
    )
    email: bool = Field(False, description="Also by e-mail (when the server has SMTP settings).")
