"""The version roll-ups' share of a batch's scores (`analytics_daily_version_scores`): each
numeric score counts where its trace's versions are, on the day the trace starts. Kept for the
relational store (ClickHouse keeps no roll-ups)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics import rollup_store
from tracehouse.analytics.contrib import SCORED_TYPES, Deltas, TraceState, versions_of
from tracehouse.ingest import store as ingest_store


def score_rollups(conn: Connection, project_rowid: int, rows: list[dict[str, Any]]) -> Deltas:
    """What the version roll-ups gain and lose as these scores are written (read before the
    batch changes its traces): each numeric score of a trace naming a version, and the value
    it replaces."""
    deltas = Deltas()
    if not rows:
        return deltas
    last = {r["id"]: r for r in rows}.values()  # a score sent twice in a batch: the last stays
    stored = ingest_store.score_values(conn, project_rowid, [r["id"] for r in last])
    old = [(s.trace_id, s.name, s.data_type, s.value) for s in stored]
    new = [(r["trace_id"], r["name"], r["data_type"], r["value"]) for r in last]
    changes = [
        (sign, (trace_id, name, float(value)))
        for sign, found in ((-1, old), (1, new))
        for trace_id, name, data_type, value in found
        if trace_id and value is not None and data_type in SCORED_TYPES
    ]
    if not changes:
        return deltas
    owners = ingest_store.trace_versions(conn, project_rowid, {c[1][0] for c in changes})
    for sign, (trace_id, name, value) in changes:
        owner = owners.get(trace_id)
        if owner is not None:
            versions = versions_of(owner.metadata, owner.release)
            deltas.add_score(owner.start_time, versions, name, value, sign)
    return deltas


def move_scores(
    conn: Connection,
    project_rowid: int,
    before: dict[str, TraceState],
    after: dict[str, TraceState],
    deltas: Deltas,
) -> None:
    """Move the scores of the traces now naming other versions (or starting another day)
    from where they counted to where they count now (every score, this batch's included)."""
    moved = {
        trace_id: before.get(trace_id)
        for trace_id, state in after.items()
        if _counted_as(state) != _counted_as(before.get(trace_id))
    }
    if not moved:
        return
    for trace_id, name, value in ingest_store.numeric_scores(conn, project_rowid, moved):
        old, new = moved[trace_id], after[trace_id]
        if old is not None:
            deltas.add_score(old.start_time, old.versions, name, float(value), -1)
        deltas.add_score(new.start_time, new.versions, name, float(value), 1)


def _counted_as(state: TraceState | None) -> tuple[Any, ...]:
    """Where a trace's scores count: its versions, on the day it starts."""
    if state is None or not state.versions:
        return ()
    return (state.versions, rollup_store.day_of(state.start_time))
