"""Semantic side of span search: embedding the chunks in the background (per project, with its
embedder; a change of model clears the project's vectors and embeds again), and exact cosine
ranking over an in-process copy of each project's vectors, kept up to date incrementally
(or, on PostgreSQL with pgvector, in SQL: `search.pgvector`).

The copy holds the vectors of the chunks embedded up to the project's `embedded` cursor; a pass
loads only those embedded since (a cursor that went back, after a change of model, reloads it
whole). Chunks deleted since stay in the copy until the next reload, and are dropped when the
hits are read back from the database. The copy is one contiguous float32 matrix of unit rows,
grown by doubling (new vectors are appended in place, not copied with the whole); a matrix
product ranks 1,000,000 chunks of 32 dimensions in a few milliseconds, which a per-query scan
of the blobs in SQL cannot match; so sqlite-vec is not used here.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from tracehouse.clock import now_us
from tracehouse.embeddings import service as embedders
from tracehouse.embeddings import store as index_store
from tracehouse.embeddings.base import Embedder, EmbedderUnavailable, Matrix
from tracehouse.embeddings.vectors import matrix_of, normalized, pack
from tracehouse.runtime import Runtime
from tracehouse.search import pgvector, store
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse import search as ch_search
from tracehouse.store.locks import transaction_lock

log = logging.getLogger(__name__)

INDEX_NAME = "spans"
EMBED_BATCH = 128
#: Batches a pass embeds per project with one opened embedder before going to the next.
BATCHES_PER_PASS = 16
_LOCK_ID = 0x7365_6172  # "sear", as the indexer's
_Rows = np.ndarray[Any, np.dtype[np.int64]]


def cursor_name(project_rowid: int) -> str:
    return f"embedded:{project_rowid}"


async def embed_pass(rt: Runtime, project_rowid: int, embedder: Embedder) -> int:
    """Embed the next chunks of the project not embedded yet; returns how many."""
    name = cursor_name(project_rowid)
    with rt.db.reader.connect() as conn:
        cursor = store.state(conn, name)
        recorded = index_store.get_index(conn, project_rowid, INDEX_NAME)
    if recorded is not None and recorded["model"] != embedder.name:
        if not _restart(rt, project_rowid, cursor, embedder):
            return 0
        cursor = store.State()
    with rt.db.reader.connect() as conn:
        rows = store.unembedded(conn, project_rowid, cursor.rowid, EMBED_BATCH)
    if not rows:
        return 0
    vectors = await embedder.embed([row.body for row in rows])
    with rt.db.writer.begin() as conn:
        transaction_lock(conn, _LOCK_ID)
        in_sql = pgvector.enable(conn)  # may send every cursor back, once
        if store.state(conn, name) != cursor:
            return 0  # another process embedded these meanwhile
        dims = int(vectors.shape[1])
        index_store.record_index(conn, project_rowid, INDEX_NAME, embedder.name, dims, now_us())
        pairs = [
            (int(row.chunk_rowid), v) for row, v in zip(rows, normalized(vectors), strict=True)
        ]
        store.set_embeddings(conn, [(rowid, pack(v)) for rowid, v in pairs])
        if in_sql:
            pgvector.write(conn, project_rowid, pairs)
        store.set_state(conn, name, store.State(rowid=int(rows[-1].chunk_rowid)))
    return len(rows)


def _restart(rt: Runtime, project_rowid: int, cursor: store.State, embedder: Embedder) -> bool:
    """Another model now: drop the project's vectors to embed every chunk again (False:
    another process did meanwhile)."""
    with rt.db.writer.begin() as conn:
        transaction_lock(conn, _LOCK_ID)
        if store.state(conn, cursor_name(project_rowid)) != cursor:
            return False
        store.clear_embeddings(conn, project_rowid)
        if pgvector.serves(conn):
            pgvector.clear(conn, project_rowid)
        dims = embedder.dimensions or 0  # known for sure once it answered: recorded then
        index_store.record_index(conn, project_rowid, INDEX_NAME, embedder.name, dims, now_us())
        store.set_state(conn, cursor_name(project_rowid), store.State())
    return True


async def embed_all(rt: Runtime) -> int:
    """One pass over every project with an embedder; returns how many chunks were embedded.
    A project whose embedder cannot be opened or answer is skipped (and logged)."""
    total = 0
    for project_rowid in _projects(rt):
        try:
            embedder = embedders.for_project(rt, project_rowid)
            for _ in range(BATCHES_PER_PASS if embedder else 0):
                count = await embed_pass(rt, project_rowid, embedder)  # type: ignore[arg-type]
                total += count
                if count < EMBED_BATCH:
                    break
        except EmbedderUnavailable as exc:
            log.warning("embedding the spans of project %s: %s", project_rowid, exc)
    return total


def _projects(rt: Runtime) -> list[int]:
    with rt.db.reader.connect() as conn:
        return store.project_rowids(conn)


@dataclass
class _Copy:
    """One project's vectors in memory: chunk rowids and their unit vectors, embedded up to
    `through` (the cursor when last loaded), by `model`. `buffer` has room for more rows than
    the `size` in use (it doubles when full)."""

    through: int = 0
    model: str | None = None
    size: int = 0
    ids: _Rows = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    buffer: Matrix | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rowids(self) -> _Rows:
        return self.ids[: self.size]

    @property
    def matrix(self) -> Matrix | None:
        return None if self.buffer is None else self.buffer[: self.size]

    def append(self, ids: _Rows, rows: Matrix) -> None:
        """Add unit rows (of the copy's dimensions, or the first ones)."""
        if self.buffer is None or self.buffer.shape[1] != rows.shape[1]:
            self.size, self.buffer = 0, np.zeros((0, rows.shape[1]), dtype=np.float32)
        end = self.size + len(rows)
        if end > len(self.buffer):
            room = max(end, 2 * len(self.buffer), 1024)
            self.buffer = _grown(self.buffer, room, self.size)
            self.ids = _grown(self.ids, room, self.size)
        self.buffer[self.size : end] = rows
        self.ids[self.size : end] = ids
        self.size = end


def _grown(array: Any, rows: int, used: int) -> Any:
    """A copy of `array` with room for `rows` rows, its first `used` rows kept."""
    bigger = np.empty((rows, *array.shape[1:]), dtype=array.dtype)
    bigger[:used] = array[:used]
    return bigger


_copies: weakref.WeakKeyDictionary[Engine, dict[int, _Copy]] = weakref.WeakKeyDictionary()
#: Vectors read per query while loading a project's copy.
LOAD_BATCH = 50_000


def nearest(conn: Connection, project_rowid: int, query: Matrix, k: int) -> list[tuple[int, float]]:
    """The `k` chunks of the project nearest to the query vector: (chunk rowid, cosine)."""
    unit = normalized(query.reshape(1, -1).astype(np.float32))[0]
    if not unit.any():  # the embedder knew no word of the query: every chunk would tie
        return []
    if (ch := dispatch.of(conn)) is not None:  # in SQL, exact, where the chunks are
        return ch_search.nearest(ch, project_rowid, unit.tolist(), k)
    if pgvector.serves(conn):
        return pgvector.nearest(conn, project_rowid, unit, k)
    copy = _refreshed(conn, project_rowid)
    matrix = copy.matrix
    if matrix is None or not copy.size or matrix.shape[1] != query.shape[-1]:
        return []
    # numpy's own loop, on this thread: BLAS would start its threads for a product this size,
    # which on busy cores spin and cost more CPU than they save (2026-12-07: 10.2 → 8.2 ms for
    # 1.1 M x 32 at load 15).
    scores = np.einsum("ij,j->i", matrix, unit)
    best = top(scores, min(k, len(scores)))
    return [(int(copy.ids[i]), float(scores[i])) for i in best]


def top(scores: Matrix, k: int) -> _Rows:
    """Indexes of the `k` highest scores, best first. Only the scores above a threshold
    estimated from a sample are partitioned (a full partition of a million scores costs ten
    times more); when fewer than `k` pass it, all are."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    pool: _Rows = np.arange(len(scores))
    if len(scores) > 64 * k and len(scores) > 50_000:
        sample = scores[:: max(1, len(scores) // 20_000)]
        keep = min(len(sample) - 1, int(4 * k * len(sample) / len(scores)) + 16)
        cut = np.partition(sample, len(sample) - 1 - keep)[len(sample) - 1 - keep]
        above = np.flatnonzero(scores >= cut)
        pool = above if len(above) >= k else pool
    part = np.sort(pool[np.argpartition(-scores[pool], k - 1)[:k]]) if k < len(pool) else pool
    return part[np.argsort(-scores[part], kind="stable")]  # ties: the lower index first


def _refreshed(conn: Connection, project_rowid: int) -> _Copy:
    copies = _copies.setdefault(conn.engine, {})
    copy = copies.setdefault(project_rowid, _Copy())
    with copy.lock:
        through = store.state(conn, cursor_name(project_rowid)).rowid
        recorded = index_store.get_index(conn, project_rowid, INDEX_NAME)
        model = None if recorded is None else recorded["model"]
        if through < copy.through or model != copy.model:  # another model: reload
            copy.through, copy.size, copy.buffer = 0, 0, None
            copy.model = model
        while through > copy.through:
            rows = store.embedded(conn, project_rowid, copy.through, through, LOAD_BATCH)
            _extend(copy, rows)
            copy.through = int(rows[-1].chunk_rowid) if len(rows) == LOAD_BATCH else through
    return copy


def _extend(copy: _Copy, rows: list[Any]) -> None:
    """Add rows (chunk_rowid, embedding) of the copy's dimensions (of the first row's when
    empty); the blobs are unit vectors already, or normalised here when not."""
    if not rows:
        return
    size = len(rows[0].embedding) if copy.buffer is None else copy.buffer.shape[1] * 4
    rows = [row for row in rows if len(row.embedding) == size]
    if not rows:
        return
    fresh = normalized(matrix_of([row.embedding for row in rows], size // 4))
    ids = np.fromiter((row.chunk_rowid for row in rows), dtype=np.int64, count=len(rows))
    copy.append(ids, fresh)
