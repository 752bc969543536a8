"""What one commit group wrote, as trace events, and their wire form between processes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

#: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
MAX_PAYLOAD = 7_000


@dataclass
class Written:
    """Trace ids one batch wrote into one project: new ones and ones that existed before."""

    project_rowid: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def encode(written: list[Written]) -> Iterator[str]:
    """NOTIFY payloads for a commit group: one, unless the ids overflow the size limit."""
    parts: list[list[object]] = []
    size = 0
    for item in written:
        for kind, ids in (("c", item.created), ("u", item.updated)):
            for trace_id in ids:
                entry = [item.project_rowid, kind, trace_id]
                cost = len(orjson.dumps(entry)) + 1  # bytes, escapes included, and a comma
                if size + cost > MAX_PAYLOAD and parts:
                    yield orjson.dumps(parts).decode()
                    parts, size = [], 0
                parts.append(entry)
                size += cost
    if parts:
        yield orjson.dumps(parts).decode()


def decode(payload: str) -> list[Written]:
    """The inverse of `encode` for one payload."""
    by_project: dict[int, Written] = {}
    for project_rowid, kind, trace_id in orjson.loads(payload):
        item = by_project.setdefault(project_rowid, Written(project_rowid))
        (item.created if kind == "c" else item.updated).append(trace_id)
    return list(by_project.values())
