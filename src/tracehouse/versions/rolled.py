"""Comparing two versions from the version roll-ups (kept by ingestion, a few rows a day per
version) instead of every trace: when no other trace filter is set, neither version is a CI
run nor named by a git link, and no day of the project waits for a rebuild. The explaining
traces are then read through indexes, a few rows each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.store.tables import traces
from tracehouse.traces.filters import TraceFilters
from tracehouse.versions import store
from tracehouse.versions.figures import TRACE_METRICS, Explainer, pair
from tracehouse.versions.schemas import Version
from tracehouse.versions.sketched import Sketched

_KINDS = ("commit", "branch", "release")


def answers(
    conn: Connection, project_rowid: int, base: TraceFilters, versions: tuple[Version, ...]
) -> bool:
    """Whether the roll-ups hold exactly the traces the comparison is about."""
    if base.model_dump(exclude_defaults=True) or any(v.kind not in _KINDS for v in versions):
        return False
    if any(store.linked(conn, project_rowid, v) for v in versions):
        return False
    return not store.stale(conn, project_rowid)


def figures(conn: Connection, project_rowid: int, version: Version) -> Sketched:
    """The version's figures: its roll-up rows summed, their histograms merged."""
    out = Sketched()
    for row in store.rolled_rows(conn, project_rowid, version):
        out.traces += row.traces
        out.errors += row.errors
        out.latency_count += row.latency_count
        out.latency_sum += row.latency_sum
        out.tokens += row.tokens
        out.cost += row.cost
        out.latency.merge_text(row.latency_hist)
        out.tokens_hist.merge_text(row.tokens_hist)
        out.cost_hist.merge_text(row.cost_hist)
    for sketch in (out.latency, out.tokens_hist, out.cost_hist):
        sketch.prune()
    for name, count, total, squares in store.rolled_scores(conn, project_rowid, version):
        out.scores[name] = (float(count), float(total), float(squares))
    return out


def explainer(
    conn: Connection, project_rowid: int, a: Version, b: Version, count: int, first: Sketched
) -> Explainer:
    """The traces of `b` weighing most on a metric, each with a like trace of `a` (same name,
    not failed, at or just above `a`'s median latency)."""
    median = first.latency.quantile(50)

    def explaining(metric: str) -> list[dict[str, str | None]]:
        found = _weighing(conn, project_rowid, b, metric, count)
        like = {name: _like(conn, project_rowid, a, name, median) for _, name in found}
        return [pair(like.get(name), trace_id) for trace_id, name in found]

    return explaining


_ORDER = {"latency": traces.c.latency_ms, "tokens": traces.c.total_tokens, "cost": traces.c.cost}


def _weighing(
    conn: Connection, project_rowid: int, version: Version, metric: str, count: int
) -> list[tuple[str, str | None]]:
    if metric.startswith("score:"):
        return store.lowest_scored(conn, project_rowid, version, metric[6:], count)
    if metric == "error_rate":
        failed = traces.c.status == "error"
        return store.top_traces(
            conn, project_rowid, version, traces.c.start_time.desc(), count, failed
        )
    column = _ORDER[metric.split("_")[0]] if metric in TRACE_METRICS else traces.c.latency_ms
    return store.top_traces(conn, project_rowid, version, column.desc(), count, column.is_not(None))


def _like(
    conn: Connection, project_rowid: int, version: Version, name: str | None, median: Any
) -> str | None:
    t = traces.c
    where = [t.name.is_(None) if name is None else t.name == name, t.status != "error"]
    if median is not None:
        where.append(t.latency_ms >= median * 0.99)  # the sketch's value is within 1%
    found = store.top_traces(conn, project_rowid, version, t.latency_ms, 1, *where)
    if not found and median is not None:
        found = store.top_traces(conn, project_rowid, version, t.latency_ms.desc(), 1, *where[:2])
    return found[0][0] if found else None
