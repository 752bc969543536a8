"""What one commit group wrote, as trace events, and their wire form between processes.

A NOTIFY payload is a JSON array: a flag, 1 when more payloads of the same group follow (they
arrive together: one transaction's notifications are delivered in order, none between them)
and 0 on the group's last, then `[project_rowid, "c" or "u", trace_id]` entries, or
`[project_rowid, "e", event]` for another event (an object with its `type`, e.g. a replay's
`fork.replayed`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

#: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
MAX_PAYLOAD = 7_000


@dataclass
class Written:
    """Trace ids one batch wrote into one project: new ones and ones that existed before."""

    project_rowid: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    #: Other events, each a JSON object with its `type`.
    events: list[dict[str, Any]] = field(default_factory=list)


def encode(written: list[Written]) -> Iterator[str]:
    """NOTIFY payloads for a commit group: one, unless the entries overflow the size limit
    (then halves, each split again until it fits); all but the last are flagged as continued.
    This runs inside the writer's transaction: the common case is one serialisation."""
    entries = [
        [item.project_rowid, kind, trace_id]
        for item in written
        for kind, ids in (("c", item.created), ("u", item.updated), ("e", item.events))
        for trace_id in ids
    ]
    parts = list(_fitting(entries)) if entries else []
    for n, part in enumerate(parts, start=1):
        yield orjson.dumps([int(n < len(parts)), *part]).decode()


def _fitting(entries: list[list[Any]]) -> Iterator[list[list[Any]]]:
    """`entries` in runs whose payload (with its flag) stays under MAX_PAYLOAD."""
    if len(entries) == 1 or len(orjson.dumps(entries)) + len(b"[0,") <= MAX_PAYLOAD:
        yield entries
        return
    half = len(entries) // 2
    yield from _fitting(entries[:half])
    yield from _fitting(entries[half:])


def continues(payload: str) -> bool:
    """Whether more payloads of the same group follow this one."""
    return payload.startswith("[1,")


def decode(payload: str) -> list[Written]:
    """The inverse of `encode` for one payload."""
    by_project: dict[int, Written] = {}
    _flag, *entries = orjson.loads(payload)
    for project_rowid, kind, trace_id in entries:
        item = by_project.setdefault(project_rowid, Written(project_rowid))
        if kind == "e":
            item.events.append(trace_id)
        else:
            (item.created if kind == "c" else item.updated).append(trace_id)
    return list(by_project.values())
