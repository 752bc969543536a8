"""The search indexer: reads committed traces changed since its cursor, chunks their text and
that of their changed spans into `search_chunks` (the keyword index follows by itself), and
embeds new chunks when an embedder is configured. Never on the ingestion path.

The cursor is `(updated_at, trace_rowid)` of the traces read so far (ingestion stamps a trace
with every batch that touches it). On PostgreSQL, transactions commit out of stamp order, so
only changes older than `SETTLE_US` are read; SQLite's single writer commits in order. With
several server processes the write of a pass holds a transaction lock and checks the cursor
did not move meanwhile (else its work is dropped: another process did it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from tracehouse.clock import now_us
from tracehouse.runtime import Runtime
from tracehouse.search import chunks, store, vectors
from tracehouse.store.engine import Database
from tracehouse.store.locks import transaction_lock

log = logging.getLogger(__name__)

CURSOR = "cursor"
BATCH = 200
SETTLE_US = 2_000_000
_LOCK_ID = 0x7365_6172  # "sear"


@dataclass
class Work:
    """One pass's reading: chunk rows per trace, the observations they replace, new cursor."""

    cursor: store.State
    rows: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    replaced: dict[int, list[str]] = field(default_factory=dict)
    indexed: dict[int, int] = field(default_factory=dict)


def index_pass(db: Database, *, batch: int = BATCH, settle_us: int | None = None) -> int:
    """Index up to `batch` changed traces; returns how many were read (0: caught up)."""
    settle = (0 if db.is_sqlite else SETTLE_US) if settle_us is None else settle_us
    with db.reader.connect() as conn:
        cursor = store.state(conn, CURSOR)
        changed = store.changed_traces(conn, cursor, now_us() - settle, batch)
        if not changed:
            return 0
        work = _read(conn, cursor, changed)
    with db.writer.begin() as conn:
        transaction_lock(conn, _LOCK_ID)
        if store.state(conn, CURSOR) != cursor:
            return 0  # another process indexed these meanwhile
        for trace_rowid, rows in work.rows.items():
            store.replace_chunks(conn, trace_rowid, work.replaced[trace_rowid], rows)
        store.mark_indexed(conn, work.indexed)
        last = changed[-1]
        store.set_state(conn, CURSOR, store.State(last["updated_at"], last["trace_rowid"]))
    return len(changed)


def _read(conn: Any, cursor: store.State, changed: list[Any]) -> Work:
    work = Work(cursor)
    before = store.indexed_at(conn, [t["trace_rowid"] for t in changed])
    for trace in changed:
        rowid = trace["trace_rowid"]
        since = before.get(rowid, -1)
        steps = store.changed_observations(conn, trace["project_rowid"], trace["id"], since)
        work.rows[rowid] = _rows(trace, steps)
        work.replaced[rowid] = [step["id"] for step in steps]
        work.indexed[rowid] = trace["updated_at"]
    return work


def _rows(trace: Any, steps: list[Any]) -> list[dict[str, Any]]:
    base = {
        "project_rowid": trace["project_rowid"],
        "trace_rowid": trace["trace_rowid"],
        "trace_id": trace["id"],
        "is_test": trace["is_test"],
    }
    own = [(None, "trace", None, chunks.trace_chunks(trace))]
    parts = own + [(s["id"], s["type"], s["level"], chunks.observation_chunks(s)) for s in steps]
    return [
        {**base, "observation_id": oid, "seq": seq, "kind": kind, "level": level, "body": body}
        for oid, kind, level, bodies in parts
        for seq, body in enumerate(bodies)
    ]


def catch_up(db: Database, *, settle_us: int | None = None) -> int:
    """Index until caught up; returns how many trace changes were read."""
    total = 0
    while count := index_pass(db, settle_us=settle_us):
        total += count
    return total


async def run_forever(rt: Runtime, *, interval: float) -> None:
    """Index what changed and embed new chunks, then wait `interval` seconds, until cancelled;
    errors are logged, not fatal."""
    while True:
        try:
            while await asyncio.to_thread(index_pass, rt.db):
                await asyncio.sleep(0)  # a full batch: more may wait
            while await vectors.embed_all(rt):
                await asyncio.sleep(0)
        except Exception:
            log.exception("search indexing failed; will retry")
        await asyncio.sleep(interval)
