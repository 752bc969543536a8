"""What one commit group wrote, as trace events, and their wire form between processes.

A NOTIFY payload is a JSON array: a flag, 1 when more payloads of the same group follow (they
arrive together: one transaction's notifications are delivered in order, none between them)
and 0 on the group's last, then `[project_rowid, "c" or "u", trace_id]` entries."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

import orjson

#: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
MAX_PAYLOAD = 7_000
_MORE, _LAST = b"[1,", b"[0,"


@dataclass
class Written:
    """Trace ids one batch wrote into one project: new ones and ones that existed before."""

    project_rowid: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@dataclass
class _Entries:
    """The `[project_rowid, kind, trace_id]` entries of a group, serialised once: each run of
    one project and kind shares its head `[rowid,"c",`; the ids are quoted JSON strings."""

    heads: list[bytes] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)
    quoted: list[bytes] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)

    def add(self, project_rowid: int, kind: str, ids: list[str]) -> None:
        head = f'[{project_rowid},"{kind}",'.encode()
        run = quoted_ids(ids)
        self.heads.append(head)
        self.firsts.append(len(self.quoted))
        self.quoted += run
        extra = len(head) + 2  # and `]`, and the comma that joins entries
        self.costs += [size + extra for size in map(len, run)]

    def payload(self, start: int, stop: int) -> str:
        """Entries start..stop exactly as `orjson.dumps` writes them, after the flag."""
        bounds = [*self.firsts, len(self.quoted)]
        segments = [
            head + (b"]," + head).join(self.quoted[max(first, start) : min(end, stop)]) + b"]"
            for head, first, end in zip(self.heads, bounds, bounds[1:], strict=False)
            if max(first, start) < min(end, stop)
        ]
        flag = _MORE if stop < len(self.quoted) else _LAST
        return (flag + b",".join(segments) + b"]").decode()


def encode(written: list[Written]) -> Iterator[str]:
    """NOTIFY payloads for a commit group: one, unless the ids overflow the size limit (a
    payload ends before the entry that would take it past; all but the last are flagged as
    continued). This runs inside the writer's transaction: the ids are serialised once per
    project and kind, not one by one."""
    entries = _Entries()
    for item in written:
        for kind, ids in (("c", item.created), ("u", item.updated)):
            if ids:
                entries.add(item.project_rowid, kind, ids)
    ends = list(accumulate(entries.costs))
    start = 0
    while start < len(ends):
        before = ends[start - 1] if start else 0
        stop = max(bisect_right(ends, before + MAX_PAYLOAD - len(_MORE) + 1), start + 1)
        yield entries.payload(start, stop)
        start = stop


def quoted_ids(ids: list[str]) -> list[bytes]:
    """Each id as a JSON string, from one serialisation of them all: indented, they are
    separated by `,\\n  `, which no JSON string holds (its newlines are escaped)."""
    if not ids:
        return []
    return orjson.dumps(ids, option=orjson.OPT_INDENT_2)[4:-2].split(b",\n  ")


def continues(payload: str) -> bool:
    """Whether more payloads of the same group follow this one."""
    return payload.startswith(_MORE.decode())


def decode(payload: str) -> list[Written]:
    """The inverse of `encode` for one payload."""
    by_project: dict[int, Written] = {}
    _flag, *entries = orjson.loads(payload)
    for project_rowid, kind, trace_id in entries:
        item = by_project.setdefault(project_rowid, Written(project_rowid))
        (item.created if kind == "c" else item.updated).append(trace_id)
    return list(by_project.values())
