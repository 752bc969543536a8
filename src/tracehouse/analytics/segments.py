"""A range's figures, merged from its segments: whole UTC days inside the range come from the
daily roll-ups (when the filters are among their dimensions and the chart buckets are at least
a day), the partial days at either end from the base tables. The `model` filter is a
dimension too: the roll-ups keep the figures of the traces using each model (`trace_model`).
Ingestion keeps the roll-ups current (`contrib`); the days a retention purge marked dirty are
read from the base tables when small, else from their roll-up as of the purge, and the answer
says so (`freshness`): the refresher job (`jobs/rollups.py`) rebuilds them, never a request."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics import contrib, rollup_store, store, window
from tracehouse.analytics.aggregate import ModelAgg, TraceAgg, UserAgg
from tracehouse.analytics.sketch import Sketch
from tracehouse.clock import iso
from tracehouse.runtime import Runtime
from tracehouse.store.tables import analytics_daily
from tracehouse.traces.filters import TraceFilters

DAY_US = rollup_store.DAY_US
DIMENSIONS = ("environment", "name", "status", "has_error", "model")
BREAKDOWNS = ("status", "environment", "name")


@dataclass(frozen=True, slots=True)
class Plan:
    """Where each part of a range comes from: `days` (first, end) from roll-ups, or None;
    of those days, `live` ones (dirty, small) from the base tables, `stale` ones (dirty,
    {day: when last built or first marked}) from their roll-up."""

    project_rowid: int
    filters: TraceFilters
    span: window.Window
    days: tuple[int, int] | None
    dims: dict[str, Any]
    live: tuple[int, ...] = ()
    stale: tuple[tuple[int, int | None], ...] = ()

    def base_parts(self) -> list[TraceFilters]:
        if self.days is None:
            return [self.filters]
        parts = [(self.span.start, self.days[0]), (self.days[1], self.span.end)]
        parts += [(day, day + DAY_US) for day in self.live]
        return [window.shifted(self.filters, window.Window(a, b)) for a, b in parts if a < b]

    def freshness(self) -> dict[str, Any]:
        """Whether every figure reflects every write; else which days come from a roll-up
        missing some (a purge's), and as of when."""
        return {
            "current": not self.stale,
            "stale_days": [
                {"date": str(iso(day))[:10], "rolled_up_at": iso(at)} for day, at in self.stale
            ],
        }


def plan(project_rowid: int, filters: TraceFilters, span: window.Window, width: int) -> Plan:
    extra = filters.model_dump(exclude={"from_time", "to_time", *DIMENSIONS}, exclude_defaults=True)
    dims = {k: getattr(filters, k) for k in DIMENSIONS}
    dims["model"] = filters.model or None  # "" is no filter, as in the trace list
    first = -(-span.start // DAY_US) * DAY_US
    end = span.end - span.end % DAY_US
    usable = width >= DAY_US and not extra and first < end
    return Plan(project_rowid, filters, span, (first, end) if usable else None, dims)


def prepare(rt: Runtime, p: Plan) -> Plan:
    """Decide how to read the dirty days among the plan's roll-up days, without rebuilding
    them in the request: from the base tables while they hold at most
    `analytics_live_traces` traces in all (smallest first), else from their last roll-up
    (the refresher job rebuilds them once writes go quiet)."""
    if p.days is None:
        return p
    with rt.db.reader.connect() as conn:
        dirty = [m.day for m in rollup_store.dirty_days(conn, p.project_rowid, *p.days)]
        if not dirty:
            return p
        sizes = sorted((rollup_store.day_traces(conn, p.project_rowid, d), d) for d in dirty)
        budget, live = rt.settings.analytics_live_traces, []
        for size, day in sizes:
            if size > budget:
                break
            budget -= size
            live.append(day)
        rest = sorted(set(dirty) - set(live))
        built = rollup_store.built_at(conn, p.project_rowid, rest) if rest else {}
    stale = tuple((day, built.get(day)) for day in rest)
    return replace(p, live=tuple(sorted(live)), stale=stale)


@dataclass
class Figures:
    total: TraceAgg = field(default_factory=TraceAgg)
    buckets: dict[int, TraceAgg] = field(default_factory=lambda: defaultdict(TraceAgg))
    by: dict[str, dict[Any, TraceAgg]] = field(
        default_factory=lambda: {k: defaultdict(TraceAgg) for k in BREAKDOWNS}
    )
    sketch: Sketch = field(default_factory=Sketch)
    exact: list[float] | None = None
    freshness: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Any, bucket: int) -> None:
        self.total.add(row)
        self.buckets[bucket].add(row)
        for key in BREAKDOWNS:
            self.by[key][getattr(row, key)].add(row)

    def percentile(self, q: float) -> float | None:
        from tracehouse.analytics.stats import percentile

        return percentile(self.exact, q) if self.exact is not None else self.sketch.quantile(q)


def trace_figures(conn: Connection, p: Plan, width: int, offset: int) -> Figures:
    out = Figures(freshness=p.freshness())
    for part in p.base_parts():
        for row in store.trace_groups(conn, p.project_rowid, part, width, offset):
            out.add(row, int(row.bucket))
        ordered = store.latencies(conn, p.project_rowid, part)
        if p.days is None:
            out.exact = ordered
        else:
            out.sketch.merge(Sketch.of(ordered))
    if p.days is not None:
        stored = rollup_store.trace_days(conn, p.project_rowid, *p.days, p.dims, p.live)
        for values in contrib.consolidate(analytics_daily, stored):
            row = SimpleNamespace(**values)
            out.add(row, (row.day - offset) // width * width + offset)
            out.sketch.merge(Sketch.loads(row.latency_hist))
    return out


def model_figures(conn: Connection, p: Plan) -> dict[str, ModelAgg]:
    out: dict[str, ModelAgg] = defaultdict(ModelAgg)
    for part in p.base_parts():
        for model, agg in store.model_groups(conn, p.project_rowid, part).items():
            out[model].add(agg)
    if p.days is not None:
        for row in rollup_store.model_totals(conn, p.project_rowid, *p.days, p.dims, p.live):
            out[row.model].add(row)
    return out


def user_figures(conn: Connection, p: Plan) -> dict[Any, UserAgg]:
    out: dict[Any, UserAgg] = defaultdict(UserAgg)
    dims_free = all(v is None for k, v in p.dims.items() if k != "model")
    parts = p.base_parts() if p.days is None or dims_free else [p.filters]
    rows = [r for part in parts for r in store.user_groups(conn, p.project_rowid, part)]
    if p.days is not None and dims_free:
        rows += rollup_store.user_totals(conn, p.project_rowid, *p.days, p.dims["model"], p.live)
    for row in rows:
        out[row.user_id].add(row)
    return out


def merged_freshness(*figures: Figures) -> dict[str, Any]:
    """The freshness of an answer drawn from several ranges' figures."""
    days = [day for f in figures for day in f.freshness["stale_days"]]
    return {"current": not days, "stale_days": sorted(days, key=lambda d: d["date"])}
