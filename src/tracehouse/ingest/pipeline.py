"""The one write path: canonical records in, merged and priced rows committed, totals rolled up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from tracehouse.analytics.contrib import Deltas, TraceState
from tracehouse.ingest import merge, shipping, streamed
from tracehouse.ingest import rows as ingest_rows
from tracehouse.ingest import store as ingest_store
from tracehouse.ingest.rows import RelationalRows, Rows
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
    """Write one batch inside the caller's transaction: merge, price, upsert, roll up (into
    ClickHouse when it holds the project's traces, under the same relational locks).

    Returns the ids of the traces it created and of those it updated (for live events)."""
    trace_changes = shipment.changes.traces
    for values in shipment.changes.observations.values():
        trace_changes.setdefault(values["trace_id"], {})
    ingest_store.lock_traces(conn, project_rowid, trace_changes)
    rows = ingest_rows.of_project(conn, project_rowid)
    return write_batch(rows, shipment, is_test=is_test, pricer=pricer, now=now)


def write_batch(
    rows: Rows, shipment: Shipment, *, is_test: bool, pricer: merge.Pricer, now: int
) -> tuple[list[str], list[str]]:
    """`apply_batch` once the traces are locked, into `rows`."""
    changes, derived = shipment.changes, shipment.derived
    trace_changes, observation_changes = changes.traces, changes.observations
    if any("streamed_response" in values for values in observation_changes.values()):
        streamed.fold(observation_changes, derived, rows.open_generation, now)
    stored_traces = rows.fetch(traces, trace_changes)
    before = {trace_id: TraceState.of(row) for trace_id, row in stored_traces.items()}
    score_rows = [merge.score_row(s, now) for s in changes.scores]
    relational = rows if isinstance(rows, RelationalRows) else None
    deltas = relational.score_rollups(score_rows) if relational else Deltas()
    trace_rows = [
        merge.trace_row(trace_id, values, stored_traces.get(trace_id), now)
        for trace_id, values in trace_changes.items()
    ]
    rows.write(traces, trace_rows, is_test, now)
    if observation_changes:
        stored = rows.fetch(observations, observation_changes)
        observation_rows = [
            shipping.new_observation_row(oid, values, derived[oid], pricer)
            if oid not in stored
            else merge.observation_row(oid, shipping.decoded(values), stored[oid], now, pricer)
            for oid, values in observation_changes.items()
        ]
        timeless = timeless_ids(observation_changes, stored)
        if timeless:
            _place_timeless(rows, timeless, observation_rows, trace_changes, before)
        rows.write(observations, observation_rows, is_test, now)
    rows.write(scores, score_rows, is_test, now)
    if trace_changes:
        after = rows.roll_up(trace_changes, before)
        changed_rollups(before, after, deltas)
        if relational:  # the version roll-ups' scores are relational only
            relational.move_scores(before, after, deltas)
    rows.count_rollups(deltas)
    created = [trace_id for trace_id in trace_changes if trace_id not in stored_traces]
    return created, [trace_id for trace_id in trace_changes if trace_id in stored_traces]


def _place_timeless(
    rows: Rows,
    timeless: list[str],
    observation_rows: list[dict[str, Any]],
    trace_changes: dict[str, dict[str, Any]],
    before: dict[str, TraceState],
) -> None:
    def stored_start(ids: list[str]) -> dict[str, int]:
        return {oid: row["start_time"] for oid, row in rows.fetch(observations, ids).items()}

    starts = {
        trace_id: values.get("start_time")
        or (before[trace_id].start_time if trace_id in before else None)
        for trace_id, values in trace_changes.items()
    }
    place(timeless, {row["id"]: row for row in observation_rows}, stored_start, starts)


def changed_rollups(
    before: dict[str, TraceState], after: dict[str, TraceState], deltas: Deltas | None = None
) -> Deltas:
    """What the analytics roll-ups gain and lose as traces go from `before` to `after`."""
    deltas = Deltas() if deltas is None else deltas
    for trace_id, state in after.items():
        deltas.add(before.get(trace_id), -1)
        deltas.add(state, 1)
    return deltas
