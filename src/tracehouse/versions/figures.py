"""The figures of one version's traces (volume, errors, latency, tokens, cost, scores), and a
comparison of two: each metric's change, whether it is significant, and the traces of the
second version that explain a change for the worse (each paired with a like trace of the
first, for the trace diff)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tracehouse.analytics.stats import mean, percentile
from tracehouse.versions.significance import TestResult
from tracehouse.versions.sketched import Sketched, tests


@dataclass(slots=True)
class Side:
    """One version's traces, as rows (id, name, status, latency_ms, total_tokens, cost), and
    the values of each score with the trace they score."""

    rows: list[Any]
    scores: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    _sorted: dict[int, list[float]] = field(default_factory=dict)

    @classmethod
    def of(cls, joined: list[Any]) -> Side:
        """From rows of the traces each followed by a score's name and value (or NULLs)."""
        rows: dict[str, Any] = {}
        scores: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for row in joined:
            rows.setdefault(row[0], row)
            if row[6] is not None:
                scores[row[6]].append((float(row[7]), row[0]))
        return cls(list(rows.values()), dict(scores))

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r[2] == "error")

    def values(self, column: int) -> list[float]:
        """The column's values, ascending (computed once)."""
        if column not in self._sorted:
            found = [r[column] for r in self.rows if r[column] is not None]
            self._sorted[column] = sorted(map(float, found))
        return self._sorted[column]


LATENCY, TOKENS, COST = 3, 4, 5
#: metric -> (column, statistic); lower is better for all of them.
TRACE_METRICS: dict[str, tuple[int, Callable[[Sequence[float]], float | None]]] = {
    "latency_mean": (LATENCY, mean),
    "latency_p50": (LATENCY, lambda v: percentile(v, 50)),
    "latency_p95": (LATENCY, lambda v: percentile(v, 95)),
    "latency_p99": (LATENCY, lambda v: percentile(v, 99)),
    "tokens_mean": (TOKENS, mean),
    "tokens_total": (TOKENS, lambda v: float(sum(v))),
    "cost_mean": (COST, mean),
    "cost_total": (COST, lambda v: float(sum(v))),
}
BASE_METRICS = ("volume", "error_rate", *TRACE_METRICS)


def summary(side: Side) -> dict[str, float | None]:
    """Every metric of one version: `score:<name>` is the mean of that score."""
    n = len(side.rows)
    out: dict[str, float | None] = {
        "volume": float(n),
        "error_rate": side.errors / n if n else None,
    }
    columns = {c: side.values(c) for c in (LATENCY, TOKENS, COST)}
    for metric, (column, stat) in TRACE_METRICS.items():
        out[metric] = stat(columns[column]) if columns[column] else None
    for name, values in sorted(side.scores.items()):
        out[f"score:{name}"] = mean([v for v, _ in values])
    return out


def higher_is_better(metric: str) -> bool:
    return metric.startswith("score:")


def compare(a: Side, b: Side, explain: int) -> list[dict[str, Any]]:
    """Each metric of `a` and `b` (b against a), with the test of the figure it summarises."""
    partners = _typical_by_name(a) if explain else {}

    def explaining(metric: str) -> list[dict[str, str | None]]:
        return [pair(partners.get(n), t) for t, n in _explaining(metric, b, explain)]

    found = tests(sketched(a), sketched(b))
    return compared(summary(a), summary(b), found, explaining if explain else None)


Explainer = Callable[[str], list[dict[str, str | None]]]


def compared(
    first: dict[str, float | None],
    second: dict[str, float | None],
    tests: dict[str, TestResult | None],
    explaining: Explainer | None,
) -> list[dict[str, Any]]:
    """Each metric's entry; for a change for the worse, the traces `explaining` gives (once
    per figure: latency, cost...)."""
    picked: dict[str, list[dict[str, str | None]]] = {}
    out = []
    for metric in [*BASE_METRICS, *sorted((set(first) | set(second)) - set(BASE_METRICS))]:
        family = _family(metric)
        entry = _entry(metric, first.get(metric), second.get(metric), tests.get(family))
        if entry["direction"] == "worse" and explaining is not None:
            if family not in picked:
                picked[family] = explaining(metric)
            entry["explain"] = picked[family]
        out.append(entry)
    return out


def _family(metric: str) -> str:
    return metric if metric.startswith("score:") else metric.split("_")[0]


def sketched(side: Side) -> Sketched:
    """The side's figures as the version roll-ups keep them (what the tests read)."""
    scores = {name: [v for v, _ in found] for name, found in side.scores.items()}
    return Sketched.of(
        len(side.rows), side.errors, side.values(LATENCY), side.values(TOKENS),
        side.values(COST), scores,
    )  # fmt: skip


def _entry(
    metric: str, a: float | None, b: float | None, test: TestResult | None
) -> dict[str, Any]:
    change = b - a if a is not None and b is not None else None
    relative = change / abs(a) if change is not None and a else None
    direction = "same"
    if change:
        worse = change < 0 if higher_is_better(metric) else change > 0
        direction = "worse" if worse else "better"
    if metric == "volume":
        direction, test = "same", None
    return {
        "metric": metric,
        "a": a,
        "b": b,
        "change": change,
        "relative_change": relative,
        "better": "higher" if higher_is_better(metric) else "lower",
        "direction": direction,
        "test": test.as_dict() if test else None,
        "significant": bool(test and test.significant),
    }


def _explaining(metric: str, b: Side, count: int) -> list[tuple[str, str | None]]:
    """(trace id, name) of the second version's traces that weigh most on `metric`."""
    if metric.startswith("score:"):
        names = {r[0]: r[1] for r in b.rows}
        worst = heapq.nsmallest(count, b.scores.get(metric[6:], []))
        return [(trace_id, names.get(trace_id)) for _, trace_id in worst]
    if metric == "error_rate":
        return [(r[0], r[1]) for r in b.rows if r[2] == "error"][:count]
    column = TRACE_METRICS[metric][0]
    found = (r for r in b.rows if r[column] is not None)
    return [(r[0], r[1]) for r in heapq.nlargest(count, found, key=lambda r: r[column])]


def _typical_by_name(side: Side) -> dict[str | None, str]:
    """For each trace name, an ok trace of the median latency among those of that name."""
    by_name: dict[str | None, list[tuple[float, str]]] = defaultdict(list)
    for r in side.rows:
        if r[2] != "error":
            by_name[r[1]].append((r[LATENCY] or 0.0, r[0]))
    return {name: sorted(found)[len(found) // 2][1] for name, found in by_name.items()}


def pair(first: str | None, second: str) -> dict[str, str | None]:
    diff = None
    if first is not None:
        diff = f"/api/v1/traces/{quote(first, safe='')}/diff/{quote(second, safe='')}"
    return {"trace_id": second, "compare_with": first, "diff_url": diff}
