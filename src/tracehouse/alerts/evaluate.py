"""Evaluating a rule: read its metric over the window (and the one before, for a change),
decide the level, record a state change and notify its channels (see docs/alerts.md)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Connection

from tracehouse import jsontext
from tracehouse.alerts import channels, message, store, targets
from tracehouse.analytics import stats, window
from tracehouse.clock import now_us
from tracehouse.insights import anomalies
from tracehouse.runtime import Runtime
from tracehouse.traces.filters import TraceFilters

log = logging.getLogger(__name__)
SEVERITIES = ("low", "medium", "high", "critical")
LEVELS = ("ok", "warning", "critical")
Span = tuple[int, int]


def _filters(rule: Any) -> TraceFilters:
    return TraceFilters.model_validate(jsontext.loads(rule["filter"]))


def measure(rt: Runtime, rule: Any, span: Span) -> float | None:
    """The rule's metric over `span`; None when the window holds no data to measure."""
    metric, project, filters = rule["metric"], rule["project_rowid"], _filters(rule)
    if metric == "anomalies":
        return _anomalies(rt, project, filters, span, rule["severity"])
    with rt.db.reader.connect() as conn:
        if metric.startswith("score_"):
            return _score(conn, project, filters, span, rule)
        if metric.startswith("latency_"):
            ordered = store.latencies(conn, project, filters, span)
            return stats.percentile(ordered, float(metric.removeprefix("latency_p")))
        figures = store.trace_figures(conn, project, filters, span)
    if metric == "trace_volume":
        return figures["traces"]
    if not figures["traces"]:
        return None
    if metric == "error_rate":
        return figures["errors"] / figures["traces"] * 100
    return figures[metric]


def _score(
    conn: Connection, project: int, filters: TraceFilters, span: Span, rule: Any
) -> float | None:
    category = rule["category"] if rule["metric"] == "score_share" else None
    count, average, matching = store.score_figures(
        conn, project, filters, span, rule["score_name"], category
    )
    if not count:
        return None
    return average if rule["metric"] == "score_average" else matching / count * 100


def _anomalies(rt: Runtime, project: int, filters: TraceFilters, span: Span, least: str) -> float:
    """How many anomalies of at least severity `least` the window shows against the week before."""
    recent = window.Window(*span)
    baseline = window.Window(span[0] - window.hours(anomalies.BASELINE_HOURS), span[0])
    old = anomalies.figures(rt, project, filters, baseline).total
    new = anomalies.figures(rt, project, filters, recent).total
    hours = (span[1] - span[0]) / 3_600_000_000
    found = anomalies.detect(old, new, hours, anomalies.BASELINE_HOURS)
    floor = SEVERITIES.index(least)
    return sum(1 for a in found if SEVERITIES.index(a["severity"]) >= floor)


def reading(rt: Runtime, rule: Any, end: int) -> float | None:
    """The value the thresholds compare: the metric, or its % change against the window before."""
    width = rule["window_seconds"] * 1_000_000
    value = measure(rt, rule, (end - width, end))
    if rule["mode"] != "change" or value is None:
        return value
    before = measure(rt, rule, (end - 2 * width, end - width))
    return None if not before else (value - before) / abs(before) * 100


def level(rule: Any, value: float | None) -> str:
    """critical, warning or ok; with no data, what the rule's no-data policy says."""
    if value is None:
        return rule["state"] if rule["no_data"] == "keep" else str(rule["no_data"])
    for name in ("critical", "warning"):
        limit = rule[name]
        if limit is not None and (
            value > limit if rule["comparison"] == "above" else value < limit
        ):
            return name
    return "ok"


def should_notify(rule: Any, before: str, after: str, now: int) -> bool:
    """Every change is notified, except a rule firing again (from ok) within its cooldown of
    the last notification, which would only repeat it."""
    if before != "ok" or rule["last_notified_at"] is None:
        return True
    return bool(now - rule["last_notified_at"] >= rule["cooldown_seconds"] * 1_000_000)


async def evaluate(rt: Runtime, rule: Any, now: int | None = None) -> dict[str, Any]:
    """Evaluate one rule now: its reading, its level, and the change recorded (if any)."""
    now = now or now_us()
    value = await asyncio.to_thread(reading, rt, rule, now)
    before, after = rule["state"], level(rule, value)
    changed = before != after
    notify = changed and should_notify(rule, before, after, now)
    deliveries = await _notify(rt, rule, (before, after), value, now) if notify else []
    await asyncio.to_thread(_record, rt, rule, (before, after), value, deliveries, notify, now)
    return {
        "state": after,
        "previous_state": before,
        "value": value,
        "changed": changed,
        "notified": notify,
        "deliveries": deliveries,
    }


async def _notify(
    rt: Runtime, rule: Any, change: tuple[str, str], value: float | None, now: int
) -> list[dict[str, Any]]:
    with rt.db.reader.connect() as conn:
        rows = [
            store.CHANNELS.find(conn, rule["project_rowid"], i)
            for i in jsontext.loads(rule["channel_ids"])
        ]
        project_id = store.project_id(conn, rule["project_rowid"])
    view = {**rule, "filter": jsontext.loads(rule["filter"])}
    span = (now - rule["window_seconds"] * 1_000_000, now)
    link = message.traces_link(rt.settings.base_url, project_id, view, span)
    body = message.build(view, project_id, change, value, link)
    sends = [channels.deliver(rt.settings, targets.target(rt, r), body) for r in rows if r]
    return list(await asyncio.gather(*sends))


def _record(
    rt: Runtime,
    rule: Any,
    change: tuple[str, str],
    value: float | None,
    deliveries: list[dict[str, Any]],
    notified: bool,
    now: int,
) -> None:
    before, after = change
    values: dict[str, Any] = {"last_value": value, "last_evaluated_at": now}
    if before != after:
        values.update(state=after, state_since=now)
    if notified and after != "ok":
        values["last_notified_at"] = now
    with rt.db.writer.begin() as conn:
        store.RULES.update(conn, rule["rule_rowid"], values)
        if before == after:
            return
        store.add_event(
            conn,
            {
                "rule_rowid": rule["rule_rowid"],
                "project_rowid": rule["project_rowid"],
                "created_at": now,
                "from_state": before,
                "to_state": after,
                "value": value,
                "threshold": rule[after] if after != "ok" else None,
                "no_data": value is None,
                "notified": notified,
                "deliveries": jsontext.dumps(deliveries),
            },
        )


async def evaluate_due(rt: Runtime) -> int:
    """Evaluate every rule that is due and that this process claims; how many it evaluated."""
    now = now_us()
    interval = int(rt.settings.alert_interval_seconds * 1_000_000) or 60_000_000
    due = await asyncio.to_thread(_claim_due, rt, now, now + interval)
    for rule in due:
        try:
            await evaluate(rt, rule, now)
        except Exception:
            log.exception("evaluating alert rule %s failed", rule["id"])
    return len(due)


def _claim_due(rt: Runtime, now: int, next_at: int) -> list[Any]:
    with rt.db.writer.begin() as conn:
        return [dict(r) for r in store.due(conn, now) if store.claim(conn, r, next_at)]
