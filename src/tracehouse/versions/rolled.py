"""Comparing two versions from the version roll-ups (kept by ingestion, a few rows a day per
version) instead of every trace: when no other trace filter is set, neither version is a CI
run nor named by a git link, and no day of the project waits for a rebuild. The explaining
traces are then read through indexes, a few rows each. Traces in ClickHouse have no roll-ups
(ingestion keeps none for them): their comparisons aggregate the traces."""

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
    """Whether the roll-ups hold exactly the traces the comparison is about (never when
    ClickHouse holds the traces: the roll-ups are empty there)."""
    if not store.rolled_up(conn):
        return False
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
    like: dict[str | None, str | None] = {}  # per trace name, once per comparison

    def explaining(metric: str) -> list[dict[str, str | None]]:
        found = _weighing(conn, project_rowid, b, metric, count)
        for _, name in found:
            if name not in like:
                like[name] = _like(conn, project_rowid, a, name, median)
        return [pair(like[name], trace_id) for trace_id, name in found]

    return explaining


LIKE_WINDOW = 1000
_ORDER = {"latency": traces.c.latency_ms, "tokens": traces.c.total_tokens, "cost": traces.c.cost}


def _weighing(
    conn: Connection, project_rowid: int, version: Version, metric: str, count: int
) -> list[tuple[str, str | None]]:
    if metric.startswith("score:"):
        return store.lowest_scored(conn, project_rowid, version, metric[6:], count)
    if metric == "error_rate":
        failed = [traces.c.status == "error"]
        return store.top_traces(
            conn, project_rowid, version, traces.c.start_time.desc(), count, failed
        )
    column = _ORDER[metric.split("_")[0]] if metric in TRACE_METRICS else traces.c.latency_ms
    timed = [column.is_not(None)]
    return store.top_traces(conn, project_rowid, version, column.desc(), count, timed)


def _like(
    conn: Connection, project_rowid: int, version: Version, name: str | None, median: Any
) -> str | None:
    """A trace of the version of that name, not failed, at or just above `median` (the
    sketch's value, within 1%), else the slowest such (each among the `LIKE_WINDOW` traces
    nearest in latency)."""
    t = traces.c
    rest = [t.name.is_(None) if name is None else t.name == name, t.status != "error"]
    found = []
    if median is not None:
        above = [t.latency_ms >= median * 0.99]
        found = store.top_traces(
            conn, project_rowid, version, t.latency_ms, 1, above, rest, LIKE_WINDOW
        )
    if not found:
        timed = [t.latency_ms.is_not(None)]
        found = store.top_traces(
            conn, project_rowid, version, t.latency_ms.desc(), 1, timed, rest, LIKE_WINDOW
        )
    return found[0][0] if found else None
