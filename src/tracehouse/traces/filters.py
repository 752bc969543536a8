"""The one trace filter: query parameters of `GET /api/v1/traces`, reused by analytics."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import ColumnElement, Select, and_, exists, literal_column, not_, or_, select

from tracehouse.clock import to_us
from tracehouse.conventions.vcs import VCS_BRANCH, VCS_REPOSITORY, VCS_REVISION
from tracehouse.records import MAX_COUNT
from tracehouse.store import fulltext
from tracehouse.store.tables import (
    ci_run_traces,
    ci_runs,
    git_link_targets,
    git_links,
    observations,
    scores,
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
    level: Literal["DEBUG", "DEFAULT", "WARNING", "ERROR"] | None = Field(
        None, description="Traces with an observation at this level."
    )
    score: list[str] = Field(
        default_factory=list,
        description="Traces with a score `name op value`, op one of `= != > >= < <=` "
        "(`accuracy>=0.8`, `verdict=good`, `correct=true`); repeat for several.",
    )
    metadata: list[str] = Field(
        default_factory=list,
        description="`key` (the trace's metadata has it) or `key:value` (it is set to that "
        "value); repeat for several.",
    )

    model_config = {"populate_by_name": True}

    @field_validator("score")
    @classmethod
    def _score_expressions(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_score(text)
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_keys(cls, value: list[str]) -> list[str]:
        if any(not text.partition(":")[0].strip() for text in value):
            raise ValueError("a metadata filter needs a key: `key` or `key:value`")
        return value


class TraceListParams(TraceFilters):
    sort: Literal["time", "latency", "cost", "tokens"] = "time"
    order: Literal["asc", "desc"] = "desc"


_CALLS = trace_model_calls.alias("model_filter")
_SCORE = re.compile(r"^\s*(?P<name>[^<>=!]+?)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>.+?)\s*$")


def parse_score(text: str) -> tuple[str, str, float | str]:
    """`accuracy>=0.8` -> ("accuracy", ">=", 0.8); `true`/`false` compare as 1/0, other text
    as a category (with `=` or `!=` only)."""
    found = _SCORE.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not `name op value` (op one of = != > >= < <=)")
    name, op, raw = found["name"], found["op"], found["value"]
    if raw.lower() in ("true", "false"):
        return name, op, float(raw.lower() == "true")
    try:
        return name, op, float(raw)
    except ValueError:
        if op not in ("=", "!="):
            raise ValueError(f"{text!r}: a category compares with = or != only") from None
        return name, op, raw


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
    return out + detail_conditions(filters) + git_conditions(filters)


def detail_conditions(filters: TraceFilters) -> list[ColumnElement[bool]]:
    """Conditions on what the trace holds: a step's level, its scores, its metadata."""
    out = [_score_condition(*parse_score(text)) for text in filters.score]
    out += [_metadata_condition(text) for text in filters.metadata]
    if filters.level:
        o = observations.c
        # A literal (a known value) so SQLite can use the partial index on ERROR steps.
        level = o.level == literal_column(f"'{filters.level}'")
        steps = select(1).where(
            o.project_rowid == traces.c.project_rowid, o.trace_id == traces.c.id
        )
        out.append(exists(steps.where(level)))
    return out


def _score_condition(name: str, op: str, value: float | str) -> ColumnElement[bool]:
    s, t = scores.c, traces.c
    column = s.value if isinstance(value, float) else s.string_value
    found = select(1).where(s.project_rowid == t.project_rowid, s.trace_id == t.id, s.name == name)
    return exists(found.where(column.op(op.replace("!=", "<>"))(value)))


def _metadata_condition(text: str) -> ColumnElement[bool]:
    """`key`: the metadata (JSON text) has the key; `key:value`: set to that string, or to
    that number, boolean or null (`key:3`, `key:true`)."""
    key, colon, value = (part.strip() for part in text.partition(":"))
    if not colon:
        name = orjson.dumps(key).decode()
        return traces.c.metadata.like(f"%{like_escape(name)}:%", escape="\\")
    bare = orjson.dumps({key: None}).decode()[1:-5] + value  # "key":3
    return or_(
        tagged(key, value, exact=True),
        *(
            traces.c.metadata.like(f"%{like_escape(bare)}{end}", escape="\\")
            for end in (",%", "}%")
        ),
    )


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
    in_metadata: list[ColumnElement[bool]] = []
    if filters.repository:
        linked.append(g.repository_url == filters.repository)
        in_metadata.append(tagged(VCS_REPOSITORY, filters.repository, exact=True))
    if filters.branch:
        linked.append(g.branch == filters.branch)
        in_metadata.append(tagged(VCS_BRANCH, filters.branch, exact=True))
    if filters.commit:
        commit = filters.commit.lower()
        linked.append(g.commit_sha.startswith(commit, autoescape=True))
        in_metadata.append(tagged(VCS_REVISION, commit, exact=False))
    if not linked:
        return []
    return [or_(_linked(linked), and_(*in_metadata))]


def tagged(key: str, value: str, *, exact: bool) -> ColumnElement[bool]:
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
