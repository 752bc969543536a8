"""The memory index's vectors: embedding entries with the project's embedder, noting which model
they came from (a change of model drops the old vectors; they are rebuilt as entries are
searched), and filling in entries stored while the embedder was down."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import ColumnElement, Connection

from tracehouse.clock import now_us
from tracehouse.embeddings import service as embeddings
from tracehouse.embeddings import store as index_store
from tracehouse.embeddings.base import Embedder, EmbedderUnavailable, Matrix
from tracehouse.embeddings.vectors import pack
from tracehouse.memory import store
from tracehouse.runtime import Runtime

log = logging.getLogger(__name__)

INDEX = "memory"
#: Entries without a vector embedded by one search, at most.
BACKFILL = 500


async def embedder_for(rt: Runtime, project_rowid: int) -> Embedder | None:
    """The project's embedder (None: keyword only); raises `EmbedderUnavailable`."""
    return await asyncio.to_thread(embeddings.for_project, rt, project_rowid)


def note_model(conn: Connection, project_rowid: int, embedder: Embedder, matrix: Matrix) -> None:
    """Record the model of the vectors about to be written; another model's go."""
    dims = int(matrix.shape[1])
    if index_store.record_index(conn, project_rowid, INDEX, embedder.name, dims, now_us()):
        store.drop_vectors(conn, project_rowid)


async def vector_of(rt: Runtime, project_rowid: int, text: str) -> tuple[Embedder, Matrix] | None:
    """The text's vector with its embedder, or None (no embedder, or it is down: the entry is
    kept without a vector and embedded later)."""
    try:
        embedder = await embedder_for(rt, project_rowid)
        if embedder is None:
            return None
        return embedder, await embedder.embed([text])
    except EmbedderUnavailable as exc:
        log.warning("memory entry kept without a vector: %s", exc)
        return None


async def backfill(
    rt: Runtime, project_rowid: int, embedder: Embedder, where: list[ColumnElement[bool]]
) -> None:
    """Embed the matching entries that have no vector yet (at most `BACKFILL`)."""

    def missing() -> list[tuple[int, str]]:
        with rt.db.reader.connect() as conn:
            rows = store.unembedded(conn, where, BACKFILL)
        return [(row["memory_rowid"], row["content"]) for row in rows]

    rows = await asyncio.to_thread(missing)
    if not rows:
        return
    matrix = await embedder.embed([content for _, content in rows])

    def write() -> None:
        with rt.db.writer.begin() as conn:
            note_model(conn, project_rowid, embedder, matrix)
            pairs = zip(rows, matrix, strict=True)
            store.set_vectors(conn, [(rowid, pack(v)) for (rowid, _), v in pairs])

    await asyncio.to_thread(write)


async def prepare(rt: Runtime, project_rowid: int, embedder: Embedder) -> None:
    """Before ranking: drop vectors of another model than this embedder's."""

    def check() -> None:
        with rt.db.reader.connect() as conn:
            row = index_store.get_index(conn, project_rowid, INDEX)
        if row is not None and row["model"] != embedder.name:
            with rt.db.writer.begin() as conn:
                store.drop_vectors(conn, project_rowid)
                index_store.forget_index(conn, project_rowid, INDEX)

    await asyncio.to_thread(check)
