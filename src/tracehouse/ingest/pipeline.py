"""The one write path: canonical records in, merged and priced rows committed, totals rolled up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics import rollup_store
from tracehouse.analytics.contrib import SCORED_TYPES, Deltas, TraceState, versions_of
from tracehouse.ingest import merge, shipping, streamed
from tracehouse.ingest import store as ingest_store
from tracehouse.ingest.shipping import Shipment
from tracehouse.ingest.timeless import place, timeless_ids
from tracehouse.pricing.catalog import CustomPrice, compute_cost
from tracehouse.records import Usage
from tracehouse.store.tables import observations, scores, traces


def make_pricer(custom: Sequence[CustomPrice]) -> merge.Pricer:
    """A pricer for one project: its custom prices first, then the built-in table."""

    def price(row: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
        usage = Usage(
            input_tokens=row.get("input_tokens"),
            output_tokens=row.get("output_tokens"),
            total_tokens=row.get("total_tokens"),
            cache_read_tokens=row.get("cache_read_tokens"),
            cache_write_tokens=row.get("cache_write_tokens"),
            reasoning_tokens=row.get("reasoning_tokens"),
        )
        if usage.input_tokens is None and usage.output_tokens is None and not usage.total_tokens:
            return (None, None, None)
        cost = compute_cost(row["model"], row.get("provider"), usage, row.get("start_time"), custom)
        if cost is None:
            return (None, None, None)
        return (cost.input, cost.output, cost.total)

    return price


def apply_batch(
    conn: Connection,
    project_rowid: int,
    shipment: Shipment,
    *,
    is_test: bool,
    pricer: merge.Pricer,
    now: int,
) -> tuple[list[str], list[str]]:
    """Write one batch inside the caller's transaction: merge, price, upsert, roll up.

    Returns the ids of the traces it created and of those it updated (for live events)."""
    changes, derived = shipment.changes, shipment.derived
    trace_changes = changes.traces
    observation_changes = changes.observations
    for values in observation_changes.values():
        trace_changes.setdefault(values["trace_id"], {})
    ingest_store.lock_traces(conn, project_rowid, trace_changes)
    if any("streamed_response" in values for values in observation_changes.values()):
        streamed.fold(observation_changes, derived, _stored_request(conn, project_rowid), now)
    stored_traces = ingest_store.fetch_stored(conn, traces, project_rowid, trace_changes)
    before = {trace_id: TraceState.of(row) for trace_id, row in stored_traces.items()}
    score_rows = [merge.score_row(s, now) for s in changes.scores]
    # Under the versions (and days) their traces name before this batch changes them.
    deltas = score_rollups(conn, project_rowid, score_rows)
    trace_rows = [
        merge.trace_row(trace_id, values, stored_traces.get(trace_id), now)
        for trace_id, values in trace_changes.items()
    ]
    ingest_store.write_rows(conn, traces, trace_rows, project_rowid, is_test, now)
    if observation_changes:
        stored = ingest_store.fetch_stored(conn, observations, project_rowid, observation_changes)
        observation_rows = [
            shipping.new_observation_row(oid, values, derived[oid], pricer)
            if oid not in stored
            else merge.observation_row(oid, shipping.decoded(values), stored[oid], now, pricer)
            for oid, values in observation_changes.items()
        ]
        timeless = timeless_ids(observation_changes, stored)
        if timeless:
            _place_timeless(conn, project_rowid, timeless, observation_rows, trace_changes, before)
        ingest_store.write_rows(conn, observations, observation_rows, project_rowid, is_test, now)
    ingest_store.write_rows(conn, scores, score_rows, project_rowid, is_test, now)
    if trace_changes:
        after = ingest_store.roll_up(conn, project_rowid, trace_changes, before)
        changed_rollups(before, after, deltas)
        move_scores(conn, project_rowid, before, after, deltas)
    rollup_store.append(conn, project_rowid, deltas.rows(project_rowid))
    created = [trace_id for trace_id in trace_changes if trace_id not in stored_traces]
    return created, [trace_id for trace_id in trace_changes if trace_id in stored_traces]


def _stored_request(conn: Connection, project_rowid: int) -> streamed.StoredRequest:
    def find(trace_id: str, parent_id: str | None, before: int) -> str | None:
        return ingest_store.open_generation(conn, project_rowid, trace_id, parent_id, before)

    return find


def _place_timeless(
    conn: Connection,
    project_rowid: int,
    timeless: list[str],
    rows: list[dict[str, Any]],
    trace_changes: dict[str, dict[str, Any]],
    before: dict[str, TraceState],
) -> None:
    def stored_start(ids: list[str]) -> dict[str, int]:
        found = ingest_store.fetch_stored(conn, observations, project_rowid, ids)
        return {oid: row["start_time"] for oid, row in found.items()}

    starts = {
        trace_id: values.get("start_time")
        or (before[trace_id].start_time if trace_id in before else None)
        for trace_id, values in trace_changes.items()
    }
    place(timeless, {row["id"]: row for row in rows}, stored_start, starts)


def changed_rollups(
    before: dict[str, TraceState], after: dict[str, TraceState], deltas: Deltas | None = None
) -> Deltas:
    """What the analytics roll-ups gain and lose as traces go from `before` to `after`."""
    deltas = Deltas() if deltas is None else deltas
    for trace_id, state in after.items():
        deltas.add(before.get(trace_id), -1)
        deltas.add(state, 1)
    return deltas


def score_rollups(conn: Connection, project_rowid: int, rows: list[dict[str, Any]]) -> Deltas:
    """What the version roll-ups gain and lose as these scores are written (read before):
    each numeric score of a trace naming a version, and the value it replaces."""
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
