"""A range's figures, merged from its segments: whole UTC days inside the range come from the
daily roll-ups (when the chart buckets are at least a day), the partial days at either end from
the base tables. The roll-ups keep the filters `DIMENSIONS` apart (the `model` filter too: they
keep the figures of the traces using each model, `trace_model`).

Other filters (tags, text, cost, user, ...) are decided on the whole days' traces once, in
`prepare`: when fewer traces meet them than not, the aggregates read those traces alone;
otherwise they read the roll-ups and take away the figures of the traces left out.

Ingestion keeps the roll-ups current (`contrib`); the days a retention purge marked dirty are
read from the base tables when small, else from their roll-up as of the purge, and the answer
says so (`freshness`): the refresher job (`jobs/rollups.py`) rebuilds them, never a request."""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, true

from tracehouse.analytics import rollup_store, store, window
from tracehouse.analytics.aggregate import ModelAgg, TraceAgg, UserAgg, values_of
from tracehouse.analytics.sketch import Sketch
from tracehouse.analytics.stats import percentile
from tracehouse.clock import iso
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters

T = TypeVar("T")
DAY_US = rollup_store.DAY_US
DIMENSIONS = ("environment", "name", "status", "has_error", "model")
BREAKDOWNS = ("status", "environment", "name")
#: The percentiles every answer gives.
QUANTILES = (50.0, 95.0, 99.0)
#: Filters on columns of the covering index `ix_traces_analytics`: cheaper to apply again in
#: each aggregate than to list the traces they choose.
INDEXED = {"min_latency", "max_latency", "min_tokens", "max_tokens", "min_cost", "max_cost"}


@dataclass(frozen=True, slots=True)
class Selection:
    """The roll-up days' traces (within the dimensions) that the other filters decide on:
    `sign` 1, those meeting them, read instead of the roll-ups; -1, those not (the fewer),
    taken away from the roll-ups. `rowids`: those traces, comma-separated; None: found
    again by each aggregate (the filters are `INDEXED`)."""

    sign: int
    rowids: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    """Where each part of a range comes from: `days` (first, end) from roll-ups, or None;
    of those days, `live` ones (dirty, small) from the base tables, `stale` ones (dirty,
    {day: when last built or first marked}) from their roll-up. `extra`: the filters the
    roll-ups do not keep apart, decided by `selection`."""

    project_rowid: int
    filters: TraceFilters
    span: window.Window
    days: tuple[int, int] | None
    dims: dict[str, Any]
    live: tuple[int, ...] = ()
    stale: tuple[tuple[int, int | None], ...] = ()
    extra: TraceFilters | None = None
    selection: Selection | None = None

    @property
    def uses_rollups(self) -> bool:
        return self.days is not None and (self.selection is None or self.selection.sign < 0)

    def base_parts(self) -> list[store.Part]:
        """What the aggregates read from the base tables (the roll-ups aside)."""
        if self.days is None:
            return [store.Part(self.filters)]
        parts = [(self.span.start, self.days[0]), (self.days[1], self.span.end)]
        parts += [(day, day + DAY_US) for day in self.live]
        out = [store.Part(self.shifted(a, b)) for a, b in parts if a < b]
        return out + self._selected()

    def _selected(self) -> list[store.Part]:
        chosen = self.selection
        if chosen is None:
            return []
        if chosen.rowids is None:
            if chosen.sign > 0:
                return [store.Part(self.shifted(w.start, w.end)) for w in self.rollup_windows()]
            windows = self.rollup_windows()
            return [store.Part(self.covered(w), None, -1, self.extra) for w in windows]
        return [store.Part(self.filters, chosen.rowids, chosen.sign)] if chosen.rowids else []

    def rollup_windows(self) -> list[window.Window]:
        """The whole days but the live ones, as ranges."""
        if self.days is None:
            return []
        edges = [self.days[0], *(e for d in self.live for e in (d, d + DAY_US)), self.days[1]]
        pairs = zip(edges[::2], edges[1::2], strict=True)
        return [window.Window(a, b) for a, b in pairs if a < b]

    def covered(self, w: window.Window) -> TraceFilters:
        """The filters the roll-ups keep apart, over `w`."""
        dims = {k: self.dims[k] for k in DIMENSIONS}
        return window.shifted(TraceFilters(**dims), w)

    def shifted(self, start: int, end: int) -> TraceFilters:
        return window.shifted(self.filters, window.Window(start, end))

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
    usable = width >= DAY_US and first < end
    uncovered = TraceFilters(**extra) if extra else None
    return Plan(
        project_rowid, filters, span, (first, end) if usable else None, dims, extra=uncovered
    )


def prepare(rt: Runtime, p: Plan) -> Plan:
    """Decide how to read the roll-up days: the dirty ones (`_dirty`), and the traces the
    filters beyond the roll-ups' dimensions take or leave (`_select`). ClickHouse keeps its
    roll-ups exact at every write (no dirty day): it reads them when the filters are all
    roll-up dimensions, else its traces whole (`store.clickhouse.rollups`)."""
    if p.days is None:
        return p
    if rollup_store.exact_at_write(rt.db.reader):
        return p if p.extra is None else replace(p, days=None)
    with rt.db.reader.connect() as conn:
        p = _dirty(conn, rt.settings.analytics_live_traces, p)
        return p if p.extra is None else _select(conn, p, p.extra)


def _dirty(conn: Connection, budget: int, p: Plan) -> Plan:
    """Read the dirty days without rebuilding them in the request: from the base tables
    while they hold at most `budget` (`analytics_live_traces`) traces in all (smallest
    first), else from their last roll-up (the refresher job rebuilds them once writes go
    quiet)."""
    assert p.days is not None
    dirty = [m.day for m in rollup_store.dirty_days(conn, p.project_rowid, *p.days)]
    if not dirty:
        return p
    sizes = sorted((rollup_store.day_traces(conn, p.project_rowid, d), d) for d in dirty)
    live = []
    for size, day in sizes:
        if size > budget:
            break
        budget -= size
        live.append(day)
    rest = sorted(set(dirty) - set(live))
    built = rollup_store.built_at(conn, p.project_rowid, rest) if rest else {}
    stale = tuple((day, built.get(day)) for day in rest)
    return replace(p, live=tuple(sorted(live)), stale=stale)


def _select(conn: Connection, p: Plan, extra: TraceFilters) -> Plan:
    """Decide which side of `extra` to read among the roll-up days' traces (within the
    dimensions): those meeting it while they are at most half (read directly: no roll-up,
    so no stale day), else those not (taken away from the roll-ups). `INDEXED` filters are
    counted in one pass and applied again by each aggregate; the others are evaluated once,
    listing the rowids of the traces meeting them up to half, or, past half, of the others."""
    pid, windows = p.project_rowid, p.rollup_windows()
    if set(extra.model_fields_set) <= INDEXED:
        counts = [store.split(conn, pid, p.covered(w), extra) for w in windows]
        meeting = sum(k for _, k in counts) * 2 <= sum(n for n, _ in counts)
        return _chosen(p, Selection(1 if meeting else -1, None))
    half = sum(store.count_where(conn, pid, p.covered(w), true()) for w in windows) // 2
    found, listed = 0, []
    for w in windows:
        count, ids = store.rowids(conn, pid, p.covered(w), extra, True, half + 1 - found)
        found += count
        listed.append(ids)
        if found > half:
            others = [store.rowids(conn, pid, p.covered(v), extra, False)[1] for v in windows]
            return _chosen(p, Selection(-1, _joined(others)))
    return _chosen(p, Selection(1, _joined(listed)))


def _joined(lists: list[str]) -> str:
    return ",".join(ids for ids in lists if ids)


def _chosen(p: Plan, selection: Selection) -> Plan:
    return replace(p, selection=selection, stale=() if selection.sign > 0 else p.stale)


@dataclass
class Figures:
    total: TraceAgg = field(default_factory=TraceAgg)
    buckets: dict[int, TraceAgg] = field(default_factory=lambda: defaultdict(TraceAgg))
    by: dict[str, dict[Any, TraceAgg]] = field(
        default_factory=lambda: {k: defaultdict(TraceAgg) for k in BREAKDOWNS}
    )
    sketch: Sketch = field(default_factory=Sketch)
    exact: list[float] | None = None
    #: {q: percentile} when the database computed them (ClickHouse), rather than `exact`.
    quantiles: dict[float, float | None] | None = None
    #: {q: how many latencies exceed that percentile}, with `quantiles`.
    above: dict[float, int] = field(default_factory=dict)
    freshness: dict[str, Any] = field(default_factory=dict)
    #: (sign, latencies) of each part read from the base tables, for `count_over`.
    samples: list[tuple[int, list[float]]] = field(default_factory=list)

    def add(self, row: Any, bucket: int, sign: int = 1) -> None:
        values, status = values_of(row, sign), row.status
        self.total.add_values(status, values)
        self.buckets[bucket].add_values(status, values)
        for key in BREAKDOWNS:
            self.by[key][getattr(row, key)].add_values(status, values)

    def prune(self) -> None:
        """Once every part is in: drop the groups taking traces away left empty."""
        for groups in (self.buckets, *self.by.values()):
            for key in [k for k, agg in groups.items() if agg.traces <= 0]:
                del groups[key]
        if self.total.traces <= 0:
            self.total = TraceAgg()
        self.sketch.prune()

    def percentile(self, q: float) -> float | None:
        if self.quantiles is not None:
            return self.quantiles[q]
        return percentile(self.exact, q) if self.exact is not None else self.sketch.quantile(q)


def trace_figures(
    conn: Connection, p: Plan, width: int, offset: int, *, percentiles: bool = True
) -> Figures:
    """The range's figures; `percentiles` False: without the latencies (and slow count)
    that only percentiles need."""
    out = Figures(freshness=p.freshness())
    exact: list[float] = []
    for part in p.base_parts():
        for row in store.trace_groups(conn, p.project_rowid, part, width, offset):
            out.add(row, int(row.bucket), part.sign)
        if not percentiles:
            continue
        computed = None
        if not p.uses_rollups:
            computed = store.latency_quantiles(conn, p.project_rowid, part.filters, QUANTILES)
        if computed is not None:
            out.quantiles, out.above = computed  # ClickHouse: one part (`count_over`)
            continue
        values = store.latencies(conn, p.project_rowid, part)
        out.samples.append((part.sign, values))
        if p.uses_rollups:
            out.sketch.merge(Sketch.of(values), part.sign)
        else:
            exact += values
    if p.uses_rollups:
        assert p.days is not None
        span = (p.project_rowid, *p.days, p.dims, p.live)
        for row in rollup_store.trace_totals(conn, *span):
            out.add(row, (row.day - offset) // width * width + offset)
        if percentiles:
            out.sketch.merge(rollup_store.latency_hists(conn, *span))
    elif percentiles:
        out.exact = sorted(exact)
    out.prune()
    return out


def model_figures(conn: Connection, p: Plan) -> dict[str, ModelAgg]:
    out: dict[str, ModelAgg] = defaultdict(ModelAgg)
    for part in p.base_parts():
        for model, agg in store.model_groups(conn, p.project_rowid, part).items():
            out[model].add(agg, part.sign)
    if p.uses_rollups:
        assert p.days is not None
        for row in rollup_store.model_totals(conn, p.project_rowid, *p.days, p.dims, p.live):
            out[row.model].add(row)
    return {model: agg for model, agg in out.items() if agg.traces > 0}


#: Reads a request runs beside its own (`beside`).
_BESIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="analytics-read")


def beside(rt: Runtime, read: Callable[[Connection], T]) -> Future[T]:
    """Run `read` on a reader connection of its own while the caller reads the rest: the
    databases work outside Python's lock, so two cores serve one request. Each read sees the
    data as its connection does (a batch committed in between may show in one part only).
    Wait for the result only once the caller's own connection is closed: a waiting request
    then never holds a connection that a read beside it needs. The read keeps the caller's
    time limit (`store.deadline`)."""

    def run() -> T:
        with rt.db.reader.connect() as conn:
            return read(conn)

    return _BESIDE.submit(contextvars.copy_context().run, run)


#: The by-model figures, and the by-user ones (None: not read, see `groups_beside`).
Groups = tuple[dict[str, ModelAgg], dict[Any, UserAgg] | None]


def groups_beside(rt: Runtime, p: Plan) -> Future[Groups]:
    """The by-model and by-user figures, read `beside` the caller. With a `user_id` filter
    the by-user figures are that user's totals: not read again (`breakdowns`)."""

    def read(conn: Connection) -> Groups:
        users = user_figures(conn, p) if p.filters.user_id is None else None
        return model_figures(conn, p), users

    return beside(rt, read)


def breakdowns(
    groups: Future[Groups], p: Plan, f: Figures
) -> tuple[dict[str, ModelAgg], dict[Any, UserAgg]]:
    """The by-model and by-user figures of `groups_beside`, the one user's from `f`'s total."""
    models, users = groups.result()
    if users is not None:
        return models, users
    t = f.total
    one = UserAgg(t.traces, t.failed, t.latency_count, t.latency_sum, t.tokens, t.cost)
    return models, {p.filters.user_id: one} if t.traces > 0 else {}


def user_figures(conn: Connection, p: Plan) -> dict[Any, UserAgg]:
    """Per user; the users' roll-ups keep only the `model` dimension apart, so with another
    dimension filtered they are read from the base tables."""
    out: dict[Any, UserAgg] = defaultdict(UserAgg)
    dims_free = all(v is None for k, v in p.dims.items() if k != "model")
    rolled = p.uses_rollups and dims_free
    parts = p.base_parts() if rolled or not p.uses_rollups else [store.Part(p.filters)]
    for part in parts:
        for row in store.user_groups(conn, p.project_rowid, part):
            out[row.user_id].add(row, part.sign)
    if rolled:
        assert p.days is not None
        model = p.dims["model"]
        for row in rollup_store.user_totals(conn, p.project_rowid, *p.days, model, p.live):
            out[row.user_id].add(row)
    return {user: agg for user, agg in out.items() if agg.traces > 0}


def count_over(conn: Connection, p: Plan, f: Figures, threshold: float | None) -> int:
    """Traces slower than `threshold` ms: of the parts read from the base tables, counted in
    the latencies `trace_figures` fetched; of the roll-up days, in the base tables (latency
    is in the covering index)."""
    if threshold is None:
        return 0
    if f.quantiles is not None:
        counted = [f.above[q] for q, value in f.quantiles.items() if value == threshold]
        if counted:  # the threshold is a percentile the database counted past
            return counted[0]
        return store.count_over(conn, p.project_rowid, store.Part(p.filters), threshold)
    slow = sum(sign * sum(1 for v in values if v > threshold) for sign, values in f.samples)
    if p.uses_rollups:
        for w in p.rollup_windows():
            slow += store.count_over(conn, p.project_rowid, store.Part(p.covered(w)), threshold)
    return slow


def merged_freshness(*figures: Figures) -> dict[str, Any]:
    """The freshness of an answer drawn from several ranges' figures."""
    days = [day for f in figures for day in f.freshness["stale_days"]]
    return {"current": not days, "stale_days": sorted(days, key=lambda d: d["date"])}
