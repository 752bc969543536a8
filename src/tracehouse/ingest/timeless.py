"""Observations sent without any time sit inside their parent, not at the moment they arrived.

An observation given neither a start nor an end time starts when its parent starts (the parent
in the same batch, else the stored one), else when its trace starts, else at the earliest start
of its trace's other observations in the batch. Only when none is known does it keep the
arrival time. Without this a tool step sent without times by a client replaying old data lands
days after its siblings, and stretches the trace's latency and its session over those days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def timeless_ids(changes: Mapping[str, dict[str, Any]], stored: Mapping[str, Any]) -> list[str]:
    """The new observations of a batch that give neither a start nor an end time."""
    return [
        oid
        for oid, values in changes.items()
        if oid not in stored and values.get("start_time") is None and values.get("end_time") is None
    ]


def place(
    timeless: list[str],
    rows: dict[str, dict[str, Any]],
    stored_start: Callable[[list[str]], dict[str, int]],
    trace_starts: Mapping[str, int | None],
) -> None:
    """Set the start time of each `timeless` row of `rows` (id → row) in place.

    `stored_start` gives the stored start times of parent ids not in the batch;
    `trace_starts` the start each trace reported (or has stored), if any."""
    moving = set(timeless)
    parents = {rows[oid]["parent_id"] for oid in timeless} - rows.keys() - {None}
    known = stored_start(sorted(parents)) if parents else {}
    earliest = _earliest_by_trace(rows, moving)
    found: dict[str, int | None] = {}
    for oid in timeless:
        start = _start_of(oid, rows, moving, known, found)
        trace_id = rows[oid]["trace_id"]
        start = start or trace_starts.get(trace_id) or earliest.get(trace_id)
        if start is not None:
            rows[oid]["start_time"] = start


def _start_of(
    oid: str,
    rows: dict[str, dict[str, Any]],
    moving: set[str],
    known: dict[str, int],
    found: dict[str, int | None],
) -> int | None:
    """The start of the nearest ancestor that has a time (timeless ancestors are walked past).

    A loop, not recursion: a chain of thousands of timeless steps must not exhaust the stack;
    what each walk finds is kept in `found` for every step it passed (linear overall)."""
    path: list[str] = []
    on_path: set[str] = set()
    current, start = oid, None
    while True:
        if current in found:
            start = found[current]
            break
        path.append(current)
        on_path.add(current)
        parent = rows[current]["parent_id"]
        if parent is None or parent in on_path:
            break
        if parent not in rows:
            start = known.get(parent)
            break
        if parent not in moving:
            start = rows[parent]["start_time"]
            break
        current = parent
    for step in path:
        found[step] = start
    return start


def _earliest_by_trace(rows: dict[str, dict[str, Any]], moving: set[str]) -> dict[str, int]:
    earliest: dict[str, int] = {}
    for oid, row in rows.items():
        start = row["start_time"]
        if oid not in moving and start is not None:
            trace_id = row["trace_id"]
            earliest[trace_id] = min(start, earliest.get(trace_id, start))
    return earliest
