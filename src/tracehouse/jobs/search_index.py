"""The search indexer: reads committed traces changed since its cursor, chunks their text and
that of their changed spans into `search_chunks` (the keyword index follows by itself), and
embeds new chunks when an embedder is configured. Never on the ingestion path.

The cursor is `(updated_at, trace_rowid)` of the traces read so far (ingestion stamps a trace
with every batch that touches it). On PostgreSQL, transactions commit out of stamp order, so
only changes older than `SETTLE_US` are read; SQLite's single writer commits in order. With
several server processes the write of a pass holds a transaction lock and checks the cursor
did not move meanwhile (else its work is dropped: another process did it). It shares the
writer and the cores with ingestion, so it waits for ingestion to pause (see `run_forever`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from tracehouse.clock import now_us
from tracehouse.ingest.writer import Writer
from tracehouse.runtime import Runtime
from tracehouse.search import chunks, store, vectors
from tracehouse.store.engine import Database
from tracehouse.store.locks import transaction_lock

log = logging.getLogger(__name__)

CURSOR = "cursor"
BATCH = 200
SETTLE_US = 2_000_000
_LOCK_ID = 0x7365_6172  # "sear"
#: Ingestion counts as quiet once the writer committed nothing for this long.
QUIET_SECONDS = 3.0
#: While ingestion is never quiet, a pass still runs this often (one batch).
STARVED_SECONDS = 60.0


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
        store.write_chunks(conn, changed, work.rows, work.replaced, work.indexed)
        last = changed[-1]
        store.set_state(conn, CURSOR, store.State(last["updated_at"], last["trace_rowid"]))
    return len(changed)


def _read(conn: Any, cursor: store.State, changed: list[Any]) -> Work:
    work = Work(cursor)
    before = store.indexed_at(conn, [t["trace_rowid"] for t in changed])
    wanted = [(t["project_rowid"], t["id"], before.get(t["trace_rowid"], -1)) for t in changed]
    observations = store.changed_observations_of(conn, wanted)
    for trace in changed:
        rowid = trace["trace_rowid"]
        steps = observations[(trace["project_rowid"], trace["id"])]
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


def ingestion_quiet(writer: Writer, now: float) -> bool:
    """Whether ingestion has left the writer alone for QUIET_SECONDS."""
    return writer.pending == 0 and now - writer.last_commit >= QUIET_SECONDS


async def run_forever(rt: Runtime, *, interval: float) -> None:
    """Every `interval` seconds, index what changed and embed new chunks (while full batches
    come, and ingestion stays quiet); errors are logged, not fatal. While ingestion keeps the
    writer busy, one batch every STARVED_SECONDS at most: the index lags (visibly) instead of
    slowing ingestion down, and catches up once writes pause."""
    last_pass = time.monotonic()
    while True:
        await asyncio.sleep(interval)
        try:
            now = time.monotonic()
            if not ingestion_quiet(rt.writer, now) and now - last_pass < STARVED_SECONDS:
                continue
            last_pass = now
            while await asyncio.to_thread(index_pass, rt.db):
                if not ingestion_quiet(rt.writer, time.monotonic()):
                    break
            while ingestion_quiet(rt.writer, time.monotonic()) and await vectors.embed_all(rt):
                await asyncio.sleep(0)
        except Exception:
            log.exception("search indexing failed; will retry")
