"""GET /insights/failures: failed traces grouped by their normalised error message (ids, numbers
and quoted values masked), with counts, first and last seen, and example traces."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tracehouse.analytics import store as analytics_store
from tracehouse.analytics import window
from tracehouse.clock import iso
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime
from tracehouse.store import deadline
from tracehouse.traces.filters import TraceFilters

MAX_TRACES = 10_000  # newest failed traces read per request
EXAMPLES = 5
NO_MESSAGE = "(no error message)"
_MASKS = (
    (re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`"), "<str>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-z_-]*\d)(?=[0-9a-z_-]*[a-z])[0-9a-z_-]{8,}\b", re.I), "<id>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)


@functools.lru_cache(maxsize=4096)
def normalise(message: str) -> str:
    """The message with quoted values, ids (UUIDs, long tokens of letters and digits) and
    numbers masked, whitespace collapsed (cached: failures repeat their messages)."""
    for pattern, mask in _MASKS:
        message = pattern.sub(mask, message)
    return message.strip()


@dataclass
class Cluster:
    pattern: str
    count: int = 0
    first_seen: int = 0
    last_seen: int = 0
    example_message: str = ""
    examples: list[str] = field(default_factory=list)
    steps: Counter[str] = field(default_factory=Counter)

    def add(self, trace: Any, message: str) -> None:
        self.count += 1
        self.first_seen = min(self.first_seen or trace.start_time, trace.start_time)
        self.last_seen = max(self.last_seen, trace.start_time)
        if len(self.examples) < EXAMPLES:
            self.examples.append(trace.id)
        if not self.example_message:
            self.example_message = message
        if trace.step_id is not None:
            self.steps[f"{trace.step_type}: {trace.step_name}"] += 1

    def render(self, total: int) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "count": self.count,
            "share": self.count / total,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "example_message": self.example_message,
            "example_trace_ids": self.examples,
            "failed_steps": [{"step": k, "count": n} for k, n in self.steps.most_common(3)],
        }


@deadline.limited
def clusters(rt: Runtime, scope: ProjectScope, filters: TraceFilters, limit: int) -> dict[str, Any]:
    filters, span = window.resolve(filters, rt.settings.analytics_max_range_days)
    with rt.db.reader.connect() as conn:
        rows = analytics_store.error_messages(conn, scope.project_rowid, filters, MAX_TRACES)
    found: dict[str, Cluster] = {}
    for trace in rows:  # newest first
        message = trace.step_message or trace.status_message or NO_MESSAGE
        key = normalise(message)
        found.setdefault(key, Cluster(key)).add(trace, message)
    ranked = sorted(found.values(), key=lambda c: (-c.count, -c.last_seen))
    return {
        "from": iso(span.start),
        "to": iso(span.end),
        "failed_traces": len(rows),
        "sampled": len(rows) >= MAX_TRACES,
        "clusters": [c.render(len(rows)) for c in ranked[:limit]],
        "total_clusters": len(found),
    }
