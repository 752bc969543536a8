"""The one trace filter: query parameters of `GET /api/v1/traces`, reused by analytics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, exists, not_, or_, select

from tracehouse.clock import to_us
from tracehouse.conventions.families import VCS_BRANCH, VCS_REPOSITORY, VCS_REVISION
from tracehouse.records import MAX_COUNT
from tracehouse.store import fulltext
from tracehouse.store.tables import (
    ci_run_traces,
    ci_runs,
    git_link_targets,
    git_links,
    trace_model_calls,
    traces,
)
from tracehouse.store.textmatch import ILike

SORTS = {
    "time": traces.c.start_time,
    "latency": traces.c.latency_ms,
    "cost": traces.c.cost,
    "tokens": traces.c.total_tokens,
}


class TraceFilters(BaseModel):
    """Filters over traces. Every given filter must match."""

    from_time: datetime | None = Field(
        None, alias="from", description="Traces starting at or after this time (RFC 3339)."
    )
    to_time: datetime | None = Field(
        None, alias="to", description="Traces starting before this time (RFC 3339)."
    )
    name: str | None = Field(None, description="Exact trace name.")
    user_id: str | None = None
    session_id: str | None = None
    status: Literal["ok", "warning", "error"] | None = None
    environment: str | None = None
    release: str | None = None
    version: str | None = None
    tags: list[str] = Field(default_factory=list, description="Traces carrying every tag given.")
    exclude_tags: list[str] = Field(
        default_factory=list,
        description="Traces carrying none of these tags (`playground` hides playground runs).",
    )
    model: str | None = Field(None, description="Traces with an observation of this model.")
    min_latency: float | None = Field(None, ge=0, le=MAX_COUNT, description="Milliseconds.")
    max_latency: float | None = Field(None, ge=0, le=MAX_COUNT, description="Milliseconds.")
    min_tokens: int | None = Field(None, ge=0, le=MAX_COUNT)
    max_tokens: int | None = Field(None, ge=0, le=MAX_COUNT)
    min_cost: float | None = Field(None, ge=0, description="USD.")
    max_cost: float | None = Field(None, ge=0, description="USD.")
    has_error: bool | None = None
    q: str | None = Field(
        None,
        max_length=200,
        description="Words found by the search index in the trace or its spans (names, chat "
        "turns, tool arguments, error messages; see docs/search.md), or this text within the "
        "trace's name, input or output (which also finds traces not indexed yet).",
    )
    repository: str | None = Field(
        None, max_length=1000, description="Traces linked to a commit of this repository URL."
    )
    branch: str | None = Field(
        None, max_length=300, description="Traces linked to a commit on this branch."
    )
    commit: str | None = Field(
        None, pattern=r"^[0-9a-fA-F]{4,64}$", description="Traces linked to this commit (prefix)."
    )
    ci_run: str | None = Field(None, max_length=64, description="Traces of this CI run (its id).")

    model_config = {"populate_by_name": True}


class TraceListParams(TraceFilters):
    sort: Literal["time", "latency", "cost", "tokens"] = "time"
    order: Literal["asc", "desc"] = "desc"


_CALLS = trace_model_calls.alias("model_filter")


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tag_condition(column: ColumnElement[Any], tag: str) -> ColumnElement[bool]:
    """`column` (a JSON array of strings kept as text) holds `tag`."""
    return column.like(f'%"{like_escape(tag)}"%', escape="\\")


def conditions(filters: TraceFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on `traces` for the given filters."""
    t = traces.c
    equal: dict[str, Any] = {
        "name": filters.name,
        "user_id": filters.user_id,
        "session_id": filters.session_id,
        "status": filters.status,
        "environment": filters.environment,
        "release": filters.release,
        "version": filters.version,
    }
    out: list[ColumnElement[bool]] = [t[k] == v for k, v in equal.items() if v is not None]
    bounds = [
        (filters.from_time and to_us(filters.from_time), t.start_time, ">="),
        (filters.to_time and to_us(filters.to_time), t.start_time, "<"),
        (filters.min_latency, t.latency_ms, ">="),
        (filters.max_latency, t.latency_ms, "<="),
        (filters.min_tokens, t.total_tokens, ">="),
        (filters.max_tokens, t.total_tokens, "<="),
        (filters.min_cost, t.cost, ">="),
        (filters.max_cost, t.cost, "<="),
    ]
    for value, column, op in bounds:
        if value is not None:
            out.append(column.op(op)(value))
    for tag in filters.tags:
        out.append(tag_condition(t.tags, tag))
    for tag in filters.exclude_tags:
        out.append(or_(t.tags.is_(None), not_(tag_condition(t.tags, tag))))
    if filters.has_error is not None:
        out.append(t.status == "error" if filters.has_error else t.status != "error")
    if filters.model:
        m = _CALLS.c  # an alias: a query over `trace_model_calls` may take this filter
        calls = select(1).where(m.trace_rowid == t.trace_rowid, m.model == filters.model)
        out.append(exists(calls))
    if filters.q:
        out.append(text_condition(filters.q, (t.name, t.input, t.output), _indexed_trace))
    if filters.ci_run:
        out.append(_of_ci_run(filters.ci_run))
    return out + git_conditions(filters)


def text_condition(
    q: str,
    columns: tuple[ColumnElement[Any], ...],
    indexed: Callable[[list[str]], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """`q` is in one of the columns (a substring, ignoring case), or `indexed(words)`: the
    search index found every word of it in the row's text."""
    pattern = f"%{like_escape(q)}%"
    found: list[ColumnElement[bool]] = [ILike(c, pattern) for c in columns]
    words = fulltext.terms(q)
    if words:
        found.append(indexed(words))
    return or_(*found)


def _indexed_trace(words: list[str]) -> ColumnElement[bool]:
    return traces.c.trace_rowid.in_(fulltext.matching_traces(words))


def _of_ci_run(run_id: str) -> ColumnElement[bool]:
    r, c, t = ci_run_traces.c, ci_runs.c, traces.c
    owned = (
        select(1)
        .select_from(ci_run_traces.join(ci_runs, c.ci_run_rowid == r.ci_run_rowid))
        .where(r.project_rowid == t.project_rowid, r.trace_id == t.id, c.id == run_id)
    )
    return exists(owned)


def git_conditions(filters: TraceFilters) -> list[ColumnElement[bool]]:
    """Traces linked (directly or through their session) to a matching git link, or sent over
    OTLP with matching VCS resource attributes (kept in their metadata)."""
    g = git_links.c
    linked: list[ColumnElement[bool]] = []
    tagged: list[ColumnElement[bool]] = []
    if filters.repository:
        linked.append(g.repository_url == filters.repository)
        tagged.append(_tagged(VCS_REPOSITORY, filters.repository, exact=True))
    if filters.branch:
        linked.append(g.branch == filters.branch)
        tagged.append(_tagged(VCS_BRANCH, filters.branch, exact=True))
    if filters.commit:
        commit = filters.commit.lower()
        linked.append(g.commit_sha.startswith(commit, autoescape=True))
        tagged.append(_tagged(VCS_REVISION, commit, exact=False))
    if not linked:
        return []
    return [or_(_linked(linked), and_(*tagged))]


def _tagged(key: str, value: str, *, exact: bool) -> ColumnElement[bool]:
    """The trace's metadata (JSON text) sets `key` to `value`, or to a text starting with it."""
    text = orjson.dumps({key: value}).decode()[1:-1]  # "key":"value"
    text = text if exact else text[:-1]
    return traces.c.metadata.like(f"%{like_escape(text)}%", escape="\\")


def _linked(wanted: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    g, x, t = git_links.c, git_link_targets.c, traces.c
    owner = or_(
        (x.kind == "trace") & (x.target_id == t.id),
        (x.kind == "session") & (x.target_id == t.session_id),
    )
    linked = (
        select(1)
        .select_from(git_link_targets.join(git_links, g.git_link_rowid == x.git_link_rowid))
        .where(x.project_rowid == t.project_rowid, owner, *wanted)
    )
    return exists(linked)


def apply(query: Select[Any], project_rowid: int, filters: TraceFilters) -> Select[Any]:
    """Restrict a query over `traces` to the project and the filters."""
    return query.where(traces.c.project_rowid == project_rowid, *conditions(filters))
