"""The hash chain: SHA-256 over the previous entry's hash and a canonical JSON of the entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64
#: The stored fields each hash covers (everything but the row id and the hash itself).
HASHED = (
    "id",
    "created_at",
    "org_rowid",
    "project_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "summary",
    "address",
    "user_agent",
    "request_id",
)


def canonical(entry: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes on every database and version."""
    fields = {name: entry[name] for name in HASHED}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(entry)).hexdigest()


def first_break(rows: Iterable[Mapping[str, Any]]) -> tuple[int, Mapping[str, Any] | None]:
    """How many entries were checked, and the first that does not verify (or None).

    The oldest remaining entry is trusted for its `prev_hash` (retention removes older ones);
    from there each must link to the one before and hash to what it stores."""
    prev: str | None = None
    checked = 0
    for row in rows:
        link = row["prev_hash"] if prev is None else prev
        if row["prev_hash"] != link or entry_hash(link, row) != row["hash"]:
            return checked, row
        prev = row["hash"]
        checked += 1
    return checked, None
