"""Versions: list the commits, branches or releases of the project with their figures, and
compare two (each metric's change, its significance, the traces that explain it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics.stats import mean, percentile
from tracehouse.clock import iso
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.traces.filters import TraceFilters
from tracehouse.versions import rolled, store
from tracehouse.versions.figures import Side, compare, compared
from tracehouse.versions.schemas import CompareQuery, Version, VersionListQuery, parse
from tracehouse.versions.significance import ALPHA
from tracehouse.versions.sketched import tests

_OWN = {"a", "b", "explain", "by", "limit"}


def base_filters(query: TraceFilters) -> TraceFilters:
    """The trace filters of a versions query, without its own parameters."""
    return TraceFilters(**query.model_dump(exclude=_OWN, by_alias=False))


def side(conn: Connection, project_rowid: int, filters: TraceFilters) -> Side:
    """The figures of the traces matching `filters`, and their scores."""
    return Side.of(store.figures(conn, project_rowid, filters))


@deadline.limited
def compare_versions(rt: Runtime, scope: ProjectScope, query: CompareQuery) -> dict[str, Any]:
    """Version `b` against version `a` over the traces matching the other filters: from the
    version roll-ups when they hold exactly those traces (`rolled.answers`), else from the
    traces."""
    a, b = parse(query.a, "a"), parse(query.b, "b")
    base = base_filters(query)
    p = scope.project_rowid
    with rt.db.reader.connect() as conn:
        if rolled.answers(conn, p, base, (a, b)):
            return _rolled(conn, p, a, b, query.explain)
        first = side(conn, p, a.filters(base))
        second = side(conn, p, b.filters(base))
    return {
        "a": _described(a, len(first.rows), _scored(first)),
        "b": _described(b, len(second.rows), _scored(second)),
        "alpha": ALPHA,
        "source": "traces",
        "metrics": compare(first, second, query.explain),
    }


def _rolled(conn: Connection, p: int, a: Version, b: Version, explain: int) -> dict[str, Any]:
    first, second = rolled.figures(conn, p, a), rolled.figures(conn, p, b)
    explaining = rolled.explainer(conn, p, a, b, explain, first) if explain else None
    return {
        "a": _described(
            a, first.traces, max((int(m[0]) for m in first.scores.values()), default=0)
        ),
        "b": _described(
            b, second.traces, max((int(m[0]) for m in second.scores.values()), default=0)
        ),
        "alpha": ALPHA,
        "source": "rollups",
        "metrics": compared(first.summary(), second.summary(), tests(first, second), explaining),
    }


def _described(version: Version, traces: int, scored: int) -> dict[str, Any]:
    return {"version": str(version), "kind": version.kind, "value": version.value,
            "traces": traces, "scored_traces": scored}  # fmt: skip


def _scored(found: Side) -> int:
    return len({trace_id for values in found.scores.values() for _, trace_id in values})


@deadline.limited
def list_versions(rt: Runtime, scope: ProjectScope, query: VersionListQuery) -> dict[str, Any]:
    """The commits (branches, releases) of matching traces, newest last seen first."""
    base = base_filters(query)
    with rt.db.reader.connect() as conn:
        rows = store.grouped_rows(conn, scope.project_rowid, base, query.by)
        groups = _grouped(rows, lower=query.by == "commit")
        shown = sorted(groups.items(), key=lambda kv: -max(r[5] for r in kv[1]))[: query.limit]
        known = store.commits(conn, scope.project_rowid, [k for k, _ in shown])
    data = [_version(query.by, key, found, known.get(key)) for key, found in shown]
    return {"by": query.by, "data": data}


def _grouped(rows: list[Any], lower: bool) -> dict[str, list[Any]]:
    """Rows by version (the rest of each row), a trace counted once per version."""
    groups: dict[str, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        key = str(row[0] or "")
        groups[key.lower() if lower else key][row[1]] = row[1:]
    return {key: list(found.values()) for key, found in groups.items() if key}


def _version(by: str, key: str, rows: list[Any], link: Any) -> dict[str, Any]:
    """`rows`: (trace_rowid, status, latency_ms, total_tokens, cost, start_time)."""
    latencies = sorted(r[2] for r in rows if r[2] is not None)
    out: dict[str, Any] = {
        "version": f"{by}:{key}",
        "value": key,
        "traces": len(rows),
        "error_rate": sum(1 for r in rows if r[1] == "error") / len(rows),
        "latency_p50": percentile(latencies, 50),
        "latency_p95": percentile(latencies, 95),
        "tokens_mean": mean([float(r[3] or 0) for r in rows]),
        "cost_total": sum(float(r[4] or 0) for r in rows),
        "first_seen": iso(min(r[5] for r in rows)),
        "last_seen": iso(max(r[5] for r in rows)),
    }
    if by == "commit" and link is not None:
        names = ("repository_url", "branch", "message", "author")
        out.update({name: link[name] for name in names})
        out["committed_at"] = iso(link["committed_at"])
    return out
