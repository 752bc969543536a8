"""Row ids on ClickHouse: a 64-bit hash of (project, id) instead of a counter, so every retry
and every process gives a row the same id (keyset cursors and `trace_model_calls` use them)."""

from __future__ import annotations

import hashlib


def rowid(project_rowid: int, key: str) -> int:
    """The signed 64-bit row id of `key` in the project."""
    digest = hashlib.blake2b(f"{project_rowid}/{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
