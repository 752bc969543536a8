"""GET /insights/drift: cost, tokens, duration and error rate of a recent window against a
baseline window, each change with a two-sample test and its p-value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracehouse.analytics import window
from tracehouse.clock import iso, now_us, to_us
from tracehouse.http.auth import ProjectScope
from tracehouse.insights import stats, store
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.traces.filters import TraceFilters

SIGNIFICANCE = 0.05
METRICS = (("cost", 0), ("tokens", 1), ("duration_ms", 2))


@deadline.limited
def drift(
    rt: Runtime,
    scope: ProjectScope,
    filters: TraceFilters,
    recent_hours: float,
    baseline_days: float,
) -> dict[str, Any]:
    """Recent = [to - recent_hours, to); baseline = the `baseline_days` before it."""
    end = to_us(filters.to_time) or now_us()
    recent = window.Window(end - window.hours(recent_hours), end)
    baseline = window.Window(recent.start - window.hours(24 * baseline_days), recent.start)
    with rt.db.reader.connect() as conn:
        base = store.samples(conn, scope.project_rowid, window.shifted(filters, baseline))
        now = store.samples(conn, scope.project_rowid, window.shifted(filters, recent))
    metrics = [_metric(name, base[i], now[i]) for name, i in METRICS]
    metrics.append(_error_rate(base[3], now[3]))
    return {
        "baseline": {"from": iso(baseline.start), "to": iso(baseline.end), "traces": len(base[0])},
        "recent": {"from": iso(recent.start), "to": iso(recent.end), "traces": len(now[0])},
        "significance_level": SIGNIFICANCE,
        "metrics": metrics,
        "drifted": [m["metric"] for m in metrics if m["significant"]],
    }


def _change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100


def _metric(name: str, before: Sequence[Any], after: Sequence[Any]) -> dict[str, Any]:
    a, b = _known(before), _known(after)
    mean_a = math.fsum(a.tolist()) / len(a) if len(a) else None
    mean_b = math.fsum(b.tolist()) / len(b) if len(b) else None
    result = stats.mann_whitney(a, b)
    return {
        "metric": name,
        "baseline_mean": mean_a,
        "recent_mean": mean_b,
        "baseline_median": float(np.median(a)) if len(a) else None,
        "recent_median": float(np.median(b)) if len(b) else None,
        "change_percent": _change(mean_a, mean_b),
        **_test(result),
    }


def _known(values: Sequence[Any]) -> stats.FloatArray:
    """The values as floats, the missing (None) left out."""
    array: stats.FloatArray = np.array(values, dtype=float)
    known: stats.FloatArray = array[~np.isnan(array)]
    return known


def _error_rate(before: Sequence[str], after: Sequence[str]) -> dict[str, Any]:
    """`before` and `after`: the traces' statuses."""
    x1, x2 = list(before).count("error"), list(after).count("error")
    rate_a = x1 / len(before) if before else None
    rate_b = x2 / len(after) if after else None
    return {
        "metric": "error_rate",
        "baseline_mean": rate_a,
        "recent_mean": rate_b,
        "baseline_median": None,
        "recent_median": None,
        "change_percent": _change(rate_a, rate_b),
        **_test(stats.two_proportions(x1, len(before), x2, len(after))),
    }


def _test(result: stats.TestResult | None) -> dict[str, Any]:
    if result is None:
        return {"test": None, "statistic": None, "z": None, "p_value": None, "significant": False}
    return {
        "test": result.name,
        "statistic": result.statistic,
        "z": result.z,
        "p_value": result.p_value,
        "significant": result.p_value < SIGNIFICANCE,
    }
