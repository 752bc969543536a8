"""GET /insights/anomalies: cost, latency and error spikes and volume drops of the last
`window_hours` against the 7 days before, each with a severity."""

from __future__ import annotations

from typing import Any

from tracehouse.analytics import segments, window
from tracehouse.analytics.aggregate import TraceAgg
from tracehouse.clock import iso, now_us, to_us
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.traces.filters import TraceFilters

BASELINE_HOURS = 7 * 24
MIN_BASELINE = 10  # traces in the baseline before anything is compared
MIN_RECENT = 5  # traces in the window before a spike is reported
#: (least change, severity), most severe first. Spikes: % rise; drops: % fall; errors: points.
SPIKE = ((500.0, "critical"), (200.0, "high"), (100.0, "medium"), (50.0, "low"))
DROP = ((100.0, "critical"), (90.0, "high"), (75.0, "medium"), (50.0, "low"))
ERROR_POINTS = ((50.0, "critical"), (25.0, "high"), (10.0, "medium"), (5.0, "low"))


def severity(change: float, scale: tuple[tuple[float, str], ...]) -> str | None:
    for least, name in scale:
        if change >= least:
            return name
    return None


def figures(
    rt: Runtime, project_rowid: int, filters: TraceFilters, w: window.Window
) -> segments.Figures:
    """The project's trace figures over window `w` (one bucket per day)."""
    plan = segments.plan(project_rowid, window.shifted(filters, w), w, window.DAY_US)
    plan = segments.prepare(rt, plan)
    with rt.db.reader.connect() as conn:
        return segments.trace_figures(conn, plan, window.DAY_US, 0, percentiles=False)


@deadline.limited
def anomalies(
    rt: Runtime, scope: ProjectScope, filters: TraceFilters, window_hours: float
) -> dict[str, Any]:
    end = to_us(filters.to_time) or now_us()
    recent = window.Window(end - window.hours(window_hours), end)
    baseline = window.Window(recent.start - window.hours(BASELINE_HOURS), recent.start)
    project = scope.project_rowid
    old, new = figures(rt, project, filters, baseline), figures(rt, project, filters, recent)
    before, after = old.total, new.total
    found = detect(before, after, window_hours, BASELINE_HOURS)
    return {
        "anomalies": found,
        "window_hours": window_hours,
        "baseline_hours": BASELINE_HOURS,
        "from": iso(recent.start),
        "to": iso(recent.end),
        "baseline_traces": before.traces,
        "recent_traces": after.traces,
        "freshness": segments.merged_freshness(old, new),
    }


def _item(kind: str, level: str, metric: str, base: float, now: float, change: float | None) -> Any:
    return {
        "type": kind,
        "severity": level,
        "metric": metric,
        "baseline": base,
        "current": now,
        "change_percent": change,
    }


def detect(before: TraceAgg, after: TraceAgg, hours: float, base_hours: float) -> list[Any]:
    """Every anomaly the two windows show (rules in docs/analytics.md)."""
    if before.traces < MIN_BASELINE:
        return []
    out = []
    rate_before, rate_after = before.traces / base_hours, after.traces / hours
    drop = (rate_before - rate_after) / rate_before * 100
    if level := severity(drop, DROP):
        out.append(_item("volume_drop", level, "traces_per_hour", rate_before, rate_after, -drop))
    if after.traces < MIN_RECENT:
        return out
    pairs = (
        (
            "cost_spike",
            "avg_cost_per_trace",
            before.cost / before.traces,
            after.cost / after.traces,
        ),
        ("latency_spike", "avg_latency_ms", before.avg_latency, after.avg_latency),
    )
    for kind, metric, base, now in pairs:
        if base and now is not None:
            change = (now - base) / base * 100
            if level := severity(change, SPIKE):
                out.append(_item(kind, level, metric, base, now, change))
    err_before, err_after = before.failed / before.traces, after.failed / after.traces
    points = (err_after - err_before) * 100
    if after.failed and err_after >= 2 * err_before and (level := severity(points, ERROR_POINTS)):
        rise = points / err_before if err_before else None
        item = _item("error_spike", level, "error_rate", err_before, err_after, rise)
        item["change_points"] = points
        out.append(item)
    return out
