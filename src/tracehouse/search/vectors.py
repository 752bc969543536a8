"""Semantic side of span search: embedding the chunks in the background (per project, with its
embedder; a change of model clears the project's vectors and embeds again), and exact cosine
ranking over an in-process copy of each project's vectors, kept up to date incrementally.

The copy holds the vectors of the chunks embedded up to the project's `embedded` cursor; a pass
loads only those embedded since (a cursor that went back, after a change of model, reloads it
whole). Chunks deleted since stay in the copy until the next reload, and are dropped when the
hits are read back from the database. A dot product over the matrix ranks 1,000,000 chunks of
64 dimensions in a few milliseconds, which a per-query scan of the blobs in SQL cannot match;
so sqlite-vec is not used here.
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
from tracehouse.embeddings.vectors import normalized, pack, unpack
from tracehouse.runtime import Runtime
from tracehouse.search import store
from tracehouse.store.locks import transaction_lock

log = logging.getLogger(__name__)

INDEX_NAME = "spans"
EMBED_BATCH = 128
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
        if store.state(conn, name) != cursor:
            return 0  # another process embedded these meanwhile
        dims = int(vectors.shape[1])
        index_store.record_index(conn, project_rowid, INDEX_NAME, embedder.name, dims, now_us())
        store.set_embeddings(
            conn, [(row.chunk_rowid, pack(v)) for row, v in zip(rows, vectors, strict=True)]
        )
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
            if embedder is not None:
                total += await embed_pass(rt, project_rowid, embedder)
        except EmbedderUnavailable as exc:
            log.warning("embedding the spans of project %s: %s", project_rowid, exc)
    return total


def _projects(rt: Runtime) -> list[int]:
    with rt.db.reader.connect() as conn:
        return store.project_rowids(conn)


@dataclass
class _Copy:
    """One project's vectors in memory: chunk rowids and their unit vectors, embedded up to
    `through` (the cursor when last loaded), by `model`."""

    through: int = 0
    model: str | None = None
    rowids: _Rows = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: Matrix | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_copies: weakref.WeakKeyDictionary[Engine, dict[int, _Copy]] = weakref.WeakKeyDictionary()


def nearest(conn: Connection, project_rowid: int, query: Matrix, k: int) -> list[tuple[int, float]]:
    """The `k` chunks of the project nearest to the query vector: (chunk rowid, cosine)."""
    copy = _refreshed(conn, project_rowid)
    if copy.matrix is None or not len(copy.rowids) or copy.matrix.shape[1] != query.shape[-1]:
        return []
    scores = copy.matrix @ normalized(query.reshape(1, -1))[0]
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(copy.rowids[i]), float(scores[i])) for i in best]


def _refreshed(conn: Connection, project_rowid: int) -> _Copy:
    copies = _copies.setdefault(conn.engine, {})
    copy = copies.setdefault(project_rowid, _Copy())
    with copy.lock:
        through = store.state(conn, cursor_name(project_rowid)).rowid
        recorded = index_store.get_index(conn, project_rowid, INDEX_NAME)
        model = None if recorded is None else recorded["model"]
        if through < copy.through or model != copy.model:  # another model: reload
            copy.through, copy.rowids, copy.matrix = 0, np.zeros(0, dtype=np.int64), None
            copy.model = model
        if through > copy.through:
            _extend(copy, store.embedded(conn, project_rowid, copy.through, through))
            copy.through = through
    return copy


def _extend(copy: _Copy, rows: list[Any]) -> None:
    if not rows:
        return
    size = len(rows[0].embedding)
    rows = [row for row in rows if len(row.embedding) == size]
    fresh = normalized(np.vstack([unpack(row.embedding) for row in rows]))
    ids = np.fromiter((row.chunk_rowid for row in rows), dtype=np.int64, count=len(rows))
    if copy.matrix is None or copy.matrix.shape[1] != fresh.shape[1]:
        copy.rowids, copy.matrix = ids, fresh
    else:
        copy.rowids = np.concatenate([copy.rowids, ids])
        copy.matrix = np.vstack([copy.matrix, fresh])
