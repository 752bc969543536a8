"""The trace filters (`traces.filters.TraceFilters`) as ClickHouse conditions on the current
rows of `traces`, with their parameters bound server side (`{name:Type}`).

What lives in the relational database (CI runs, git links) is looked up there first and
passed in as lists of ids; the text search (`q`) needs the search index, which does not hold
ClickHouse traces yet, so it is refused with a clear error rather than half answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, and_, or_, select

from tracehouse.clock import to_us
from tracehouse.conventions.families import VCS_BRANCH, VCS_REPOSITORY, VCS_REVISION
from tracehouse.errors import InvalidRequest
from tracehouse.store.tables import ci_run_traces, ci_runs, git_link_targets, git_links
from tracehouse.traces.filters import TraceFilters, parse_score

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.schema import Layout

_EQUAL = ("name", "user_id", "session_id", "status", "environment", "release", "version")
_BOUNDS = (
    ("min_latency", "latency_ms", ">=", "Float64"),
    ("max_latency", "latency_ms", "<=", "Float64"),
    ("min_tokens", "total_tokens", ">=", "Int64"),
    ("max_tokens", "total_tokens", "<=", "Int64"),
    ("min_cost", "cost", ">=", "Float64"),
    ("max_cost", "cost", "<=", "Float64"),
)
#: Read the current version of rows with FINAL: every version of a key shares a partition
#: (see `schema.create_table`), so no merge across partitions is needed (docs/clickhouse.md).
FINAL_SETTINGS = "SETTINGS do_not_merge_across_partitions_select_final = 1"


def current(layout: Layout, name: str) -> str:
    """The table's current rows (the latest version of each key), named as the table."""
    return f"{layout.table(name)} AS {name} FINAL"


@dataclass
class Where:
    """Conditions (ANDed) and their parameters; `bind` adds a parameter, returns its slot."""

    layout: Layout
    project_rowid: int
    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params["project"] = self.project_rowid
        self.conditions.append("project_rowid = {project:Int64}")

    def bind(self, value: Any, kind: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{kind}}}"

    def add(self, condition: str) -> Where:
        self.conditions.append(condition)
        return self

    @property
    def sql(self) -> str:
        return " AND ".join(f"({c})" for c in self.conditions)


def trace_where(
    conn: Connection, layout: Layout, project_rowid: int, filters: TraceFilters
) -> Where:
    """The conditions on `traces` of the filters, within the project (`conn`: the relational
    database, for CI runs and git links)."""
    w = Where(layout, project_rowid)
    _plain(w, filters)
    _details(w, filters)
    if filters.q:
        raise InvalidRequest(
            "The `q` filter is not available with ClickHouse yet; filter by other fields.",
            {"field": "q"},
        )
    if filters.ci_run:
        w.add(
            f"id IN {w.bind(_ci_run_traces(conn, project_rowid, filters.ci_run), 'Array(String)')}"
        )
    _git(conn, w, filters)
    return w


def _plain(w: Where, filters: TraceFilters) -> None:
    for name in _EQUAL:
        value = getattr(filters, name)
        if value is not None:
            w.add(f"{name} = {w.bind(value, 'String')}")
    if filters.from_time:
        w.add(f"start_time >= {w.bind(to_us(filters.from_time), 'Int64')}")
    if filters.to_time:
        w.add(f"start_time < {w.bind(to_us(filters.to_time), 'Int64')}")
    for attr, column, op, kind in _BOUNDS:
        value = getattr(filters, attr)
        if value is not None:
            w.add(f"{column} {op} {w.bind(value, kind)}")
    tags = "JSONExtract(ifNull(tags, '[]'), 'Array(String)')"
    for tag in filters.tags:
        w.add(f"has({tags}, {w.bind(tag, 'String')})")
    for tag in filters.exclude_tags:
        w.add(f"NOT has({tags}, {w.bind(tag, 'String')})")
    if filters.has_error is not None:
        w.add("status = 'error'" if filters.has_error else "status != 'error'")


def _details(w: Where, filters: TraceFilters) -> None:
    """Conditions on what the trace holds: a model's calls, a step's level, scores, metadata."""
    if filters.model:
        w.add(f"trace_rowid IN ({model_traces(w, filters.model)})")
    if filters.level:
        steps = f"level = {w.bind(filters.level, 'String')}"
        w.add(f"id IN (SELECT trace_id FROM {current(w.layout, 'observations')} WHERE "
              f"project_rowid = {{project:Int64}} AND {steps})")  # fmt: skip
    for text in filters.score:
        w.add(f"id IN ({_scored(w, *parse_score(text))})")
    for text in filters.metadata:
        w.add(_metadata(w, text))


def model_traces(w: Where, model: str) -> str:
    """The rowids of the project's traces with a call of `model` (a model that left a trace
    keeps a row of zeros)."""
    return (
        f"SELECT trace_rowid FROM {current(w.layout, 'trace_model_calls')} "
        f"WHERE project_rowid = {{project:Int64}} AND model = {w.bind(model, 'String')} "
        "AND calls != 0"
    )


def _scored(w: Where, name: str, op: str, value: float | str) -> str:
    column, kind = ("value", "Float64") if isinstance(value, float) else ("string_value", "String")
    return (
        f"SELECT trace_id FROM {current(w.layout, 'scores')} WHERE project_rowid = "
        f"{{project:Int64}} AND trace_id IS NOT NULL AND name = {w.bind(name, 'String')} "
        f"AND {column} {op} {w.bind(value, kind)}"
    )


def _metadata(w: Where, text: str) -> str:
    """`key`: the metadata has the key; `key:value`: set to that string, or to that number,
    boolean or null written as such (`key:3`, `key:true`)."""
    key, colon, value = (part.strip() for part in text.partition(":"))
    slot = w.bind(key, "String")
    if not colon:
        return f"JSONHas(ifNull(metadata, '{{}}'), {slot})"
    written = [orjson.dumps(value).decode(), value]
    return f"JSONExtractRaw(ifNull(metadata, '{{}}'), {slot}) IN {w.bind(written, 'Array(String)')}"


def _ci_run_traces(conn: Connection, project_rowid: int, run_id: str) -> list[str]:
    r, c = ci_run_traces.c, ci_runs.c
    query = (
        select(r.trace_id)
        .select_from(ci_run_traces.join(ci_runs, c.ci_run_rowid == r.ci_run_rowid))
        .where(r.project_rowid == project_rowid, c.id == run_id)
    )
    return list(conn.execute(query).scalars())


def _git(conn: Connection, w: Where, filters: TraceFilters) -> None:
    """Traces linked (directly or through their session) to a matching git link, or whose
    metadata carries matching VCS attributes."""
    g = git_links.c
    linked, tagged = [], []
    if filters.repository:
        linked.append(g.repository_url == filters.repository)
        tagged.append(_tagged(w, VCS_REPOSITORY, filters.repository, exact=True))
    if filters.branch:
        linked.append(g.branch == filters.branch)
        tagged.append(_tagged(w, VCS_BRANCH, filters.branch, exact=True))
    if filters.commit:
        commit = filters.commit.lower()
        linked.append(g.commit_sha.startswith(commit, autoescape=True))
        tagged.append(_tagged(w, VCS_REVISION, commit, exact=False))
    if not linked:
        return
    x = git_link_targets.c
    query = (
        select(x.kind, x.target_id)
        .select_from(git_link_targets.join(git_links, g.git_link_rowid == x.git_link_rowid))
        .where(
            x.project_rowid == w.project_rowid,
            and_(*linked),
            or_(x.kind == "trace", x.kind == "session"),
        )
    )
    found = list(conn.execute(query))
    ids = w.bind([t for k, t in found if k == "trace"], "Array(String)")
    sessions = w.bind([t for k, t in found if k == "session"], "Array(String)")
    w.add(f"id IN {ids} OR session_id IN {sessions} OR ({' AND '.join(tagged)})")


def _tagged(w: Where, key: str, value: str, *, exact: bool) -> str:
    """The metadata sets `key` to `value` (a string), or to a string starting with it."""
    found = f"JSONExtractString(ifNull(metadata, '{{}}'), {w.bind(key, 'String')})"
    if exact:
        return f"{found} = {w.bind(value, 'String')}"
    return f"startsWith({found}, {w.bind(value, 'String')})"
