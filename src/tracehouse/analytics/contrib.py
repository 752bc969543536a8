"""What one trace adds to the daily roll-ups (`analytics_daily*`): rows of figures keyed by
their dimensions. The writer appends, for every trace a batch touches, its new contribution
minus its old one (`Deltas`), in the batch's transaction, so the roll-ups are current at every
commit. A day rebuilt from the base tables (`rollup.day_rows`) holds the same sums."""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Table

from tracehouse.analytics import sketch
from tracehouse.analytics.rollup_store import day_of
from tracehouse.conventions.vcs import VCS_BRANCH, VCS_REVISION
from tracehouse.store.tables import (
    analytics_daily,
    analytics_daily_models,
    analytics_daily_users,
    analytics_daily_version_scores,
    analytics_daily_versions,
)
from tracehouse.store.tables.analytics import (
    DAILY_FIGURES,
    MODEL_DAILY_FIGURES,
    MODEL_FIGURES,
    USER_DAILY_FIGURES,
    VERSION_FIGURES,
    VERSION_HISTS,
    VERSION_SCORE_FIGURES,
)

#: The dimension and figure columns of each roll-up table, in key and value order.
DIMENSIONS: dict[Table, tuple[str, ...]] = {
    analytics_daily: ("day", "environment", "name", "status", "trace_model"),
    analytics_daily_models: ("day", "environment", "name", "status", "model", "trace_model"),
    analytics_daily_users: ("day", "user_id", "trace_model"),
    analytics_daily_versions: ("day", "kind", "version"),
    analytics_daily_version_scores: ("day", "kind", "version", "name"),
}
FIGURES: dict[Table, tuple[str, ...]] = {
    analytics_daily: DAILY_FIGURES,
    analytics_daily_models: MODEL_DAILY_FIGURES,
    analytics_daily_users: USER_DAILY_FIGURES,
    analytics_daily_versions: VERSION_FIGURES,
    analytics_daily_version_scores: VERSION_SCORE_FIGURES,
}
#: The histogram columns (`sketch.Sketch` text) of the tables that have some.
HISTS: dict[Table, tuple[str, ...]] = {
    analytics_daily: ("latency_hist",),
    analytics_daily_versions: VERSION_HISTS,
}
#: The figures that are not counts.
_REAL = {"latency_sum", "cost", "duration_sum", "total", "squares"}
#: The scores a version's figures count (the others have no numeric value).
SCORED_TYPES = ("NUMERIC", "BOOLEAN")
#: Costs are bucketed in micro-USD (the sketch treats values below 0.001 as 0).
COST_SCALE = 1e6


@dataclass(frozen=True, slots=True)
class TraceState:
    """A trace as the roll-ups see it: its stored totals and the totals of its model calls
    ({model: figures in MODEL_FIGURES order} over its observations that name a model)."""

    start_time: int
    environment: str | None
    name: str | None
    status: str
    user_id: str | None
    latency_ms: float | None
    observations: int
    tokens: int
    cost: float
    retried: bool
    models: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: (kind, version) of each version the trace names: commit, branch, release.
    versions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, row: Mapping[Any, Any], models: Mapping[str, tuple[float, ...]] | None = None
    ) -> TraceState:
        """From a trace row's columns (as stored in `traces`); `models` when the caller has
        them already, else parsed from `model_calls`."""
        latency = row["latency_ms"]
        return cls(
            start_time=int(row["start_time"]),
            environment=row["environment"],
            name=row["name"],
            status=row["status"],
            user_id=row["user_id"],
            latency_ms=None if latency is None else float(latency),
            observations=int(row["observation_count"]),
            tokens=int(row["total_tokens"]),
            cost=float(row["cost"]),
            retried=bool(row["retried"]),
            models=_parsed(row["model_calls"]) if models is None else models,
            versions=versions_of(row.get("metadata"), row.get("release")),
        )


def versions_of(metadata: str | None, release: str | None) -> tuple[tuple[str, str], ...]:
    """The versions a trace names: its VCS revision (lower case) and branch, kept in its
    metadata (JSON text, parsed only when it names one), and its release."""
    out: list[tuple[str, str]] = []
    if metadata and '"vcs.ref.head.' in metadata:
        found = orjson.loads(metadata)
        if isinstance(found, dict):
            for kind, key in (("commit", VCS_REVISION), ("branch", VCS_BRANCH)):
                value = found.get(key)
                if isinstance(value, str) and value:
                    out.append((kind, (value.lower() if kind == "commit" else value)[:300]))
    if release:
        out.append(("release", release[:300]))
    return tuple(out)


def _parsed(text: str | None) -> dict[str, tuple[float, ...]]:
    return {model: tuple(figures) for model, figures in orjson.loads(text or "{}").items()}


def model_calls(figures: Iterable[Any]) -> tuple[float, ...]:
    """One model's call figures (MODEL_FIGURES order) as stored: counts as integers."""
    return tuple(kind(v) for kind, v in zip(_CALL_KINDS, figures, strict=True))


_CALL_KINDS = tuple(float if name in ("cost", "duration_sum") else int for name in MODEL_FIGURES)


def contributions(
    state: TraceState,
) -> Iterator[tuple[Table, tuple[Any, ...], tuple[float, ...]]]:
    """(table, dimensions, figures) of every roll-up row the trace counts in: once over all
    traces (`trace_model` None) and once per model it called (the `model` filter's rows)."""
    day = day_of(state.start_time)
    latency = state.latency_ms
    timed = (0, 0.0) if latency is None else (1, latency)
    failed = 1 if state.status == "error" else 0
    trace = (1, state.observations, int(state.retried), *timed, state.tokens, state.cost)
    user = (1, failed, *timed, state.tokens, state.cost)
    where = (day, state.environment, state.name, state.status)
    calls = [(model, (1, *figures)) for model, figures in state.models.items()]
    for kind, version in state.versions:
        yield analytics_daily_versions, (day, kind, version), user
    for trace_model in (None, *state.models):
        yield analytics_daily, (*where, trace_model), trace
        yield analytics_daily_users, (day, state.user_id, trace_model), user
        for model, figures in calls:
            yield analytics_daily_models, (*where, model, trace_model), figures


@dataclass
class Deltas:
    """The changes a batch makes to the roll-ups, summed per row key."""

    sums: dict[tuple[Table, tuple[Any, ...]], list[float]] = field(default_factory=dict)
    hists: dict[tuple[Table, tuple[Any, ...]], list[Counter[int]]] = field(default_factory=dict)

    def add(self, state: TraceState | None, sign: int) -> None:
        """Count a trace's contribution in (sign 1) or out (sign -1)."""
        if state is None:
            return
        buckets = _buckets(state)
        for table, key, figures in contributions(state):
            self._sum(table, key, figures, sign)
            if table in HISTS:
                counts = self.hists.setdefault((table, key), [Counter() for _ in HISTS[table]])
                for counter, found in zip(counts, buckets, strict=False):
                    if found is not None:
                        counter[found] += sign

    def add_score(self, day: int, versions: Iterable[tuple[str, str]], name: str, value: float,
                  sign: int) -> None:  # fmt: skip
        """Count a numeric score of a trace naming `versions` in (1) or out (-1)."""
        for kind, version in versions:
            key = (day_of(day), kind, version, name)
            self._sum(analytics_daily_version_scores, key, (1, value, value * value), sign)

    def _sum(self, table: Table, key: tuple[Any, ...], figures: Iterable[float], sign: int) -> None:
        current = self.sums.get((table, key))
        if current is None:
            current = self.sums[(table, key)] = [0] * len(FIGURES[table])
        current[:] = map(operator.add if sign > 0 else operator.sub, current, figures)

    def rows(self, project_rowid: int) -> dict[Table, list[dict[str, Any]]]:
        """The rows to append: those whose figures changed (a trace counted out and in again
        unchanged leaves nothing)."""
        out: dict[Table, list[dict[str, Any]]] = {table: [] for table in DIMENSIONS}
        for (table, key), values in self.sums.items():
            hists = [{b: n for b, n in c.items() if n} for c in self.hists.get((table, key), ())]
            if not (any(values) or any(hists)):
                continue
            extra = tuple(_dumps(h) for h in hists) or tuple("{}" for _ in HISTS.get(table, ()))
            row = (project_rowid, *key, *values, *extra)
            out[table].append(dict(zip(APPENDED[table], row, strict=True)))
        return out


def _buckets(state: TraceState) -> tuple[int | None, int, int]:
    """The trace's latency (if any), tokens and cost buckets, in `HISTS` order."""
    latency = None if state.latency_ms is None else sketch.bucket(state.latency_ms)
    return latency, sketch.bucket(state.tokens), sketch.bucket(state.cost * COST_SCALE)


def _dumps(hist: dict[int, int]) -> str:
    return sketch.Sketch(Counter(hist)).dumps()


def _row(table: Table, key: tuple[Any, ...], values: list[float]) -> dict[str, Any]:
    """A row of `table`: its dimensions, then its figures (counts as integers)."""
    figures = [kind(value) for kind, value in zip(_KINDS[table], values, strict=True)]
    return dict(zip(_COLUMNS[table], (*key, *figures), strict=True))


_KINDS = {t: tuple(float if n in _REAL else int for n in names) for t, names in FIGURES.items()}
_COLUMNS = {table: (*DIMENSIONS[table], *FIGURES[table]) for table in FIGURES}
#: The columns of an appended row, in `Deltas.rows` order.
APPENDED = {
    table: ("project_rowid", *columns, *HISTS.get(table, ())) for table, columns in _COLUMNS.items()
}


def consolidate(table: Table, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows of `table` (stored, deltas included) summed per dimensions; the groups no trace
    counts in any more are left out."""
    dims, figures, hist_names = DIMENSIONS[table], FIGURES[table], HISTS.get(table, ())
    sums: dict[tuple[Any, ...], list[float]] = {}
    hists: dict[tuple[Any, ...], list[sketch.Sketch]] = {}
    for row in rows:
        key = tuple(getattr(row, name) for name in dims)
        values = [float(getattr(row, name) or 0) for name in figures]
        current = sums.setdefault(key, [0.0] * len(figures))
        for i, value in enumerate(values):
            current[i] += value
        merged = hists.setdefault(key, [sketch.Sketch() for _ in hist_names])
        for found, name in zip(merged, hist_names, strict=True):
            found.merge_text(getattr(row, name))
    out = []
    for key, values in sums.items():
        row = _row(table, key, values)
        if row[figures[0]] == 0:
            continue
        for found, name in zip(hists[key], hist_names, strict=True):
            row[name] = sketch.Sketch(+found.counts).dumps()
        out.append(row)
    return out
