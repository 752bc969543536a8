"""Search a project's spans: keyword hits, semantic hits, fused by reciprocal rank; one hit per
trace (its best chunk), with a marked snippet; and how far the index lags behind."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from tracehouse.clock import iso, now_us
from tracehouse.embeddings import service as embedders
from tracehouse.embeddings.base import EmbedderUnavailable, Matrix
from tracehouse.http.auth import ProjectScope
from tracehouse.jobs.search_index import CURSOR
from tracehouse.runtime import Runtime
from tracehouse.search import store, vectors
from tracehouse.search.schemas import SearchRequest
from tracehouse.store import fulltext

#: Chunks read per hit wanted, so that several chunks of one trace still leave `limit` traces.
POOL = 5
#: Reciprocal rank fusion's constant (Cormack et al.): damps the weight of the very first ranks.
RRF_K = 60
SNIPPET_CHARS = 240
#: Nearest chunks read before the filters apply (a narrow filter may leave fewer hits).
SEMANTIC_POOL = 500

Ranked = list[tuple[int, float]]  # (chunk rowid, score), best first


async def search(rt: Runtime, scope: ProjectScope, request: SearchRequest) -> dict[str, Any]:
    """Hits for the request; `meta` says which mode answered (`keyword` when semantic search
    could not: no embedder, or it is down, with a note why) and how far the index lags. In
    hybrid mode the keyword half runs while the query is embedded and its neighbours ranked."""
    notes: list[str] = []
    project_rowid, words = scope.project_rowid, fulltext.terms(request.query)
    keyword = None
    if request.mode == "hybrid" and words:
        keyword = asyncio.create_task(
            asyncio.to_thread(_keyword, rt, project_rowid, words, request)
        )
    semantic, query = await _semantic_half(rt, project_rowid, request, notes)
    mode = request.mode if query is not None else "keyword"
    ranked: Ranked = []
    if mode != "semantic" and keyword is None and words:
        keyword = asyncio.create_task(
            asyncio.to_thread(_keyword, rt, project_rowid, words, request)
        )
    if keyword is not None:
        ranked = await keyword
    if mode != "keyword":
        ranked = _fuse([ranked, semantic]) if mode == "hybrid" else semantic
    return await asyncio.to_thread(
        _finish, rt, project_rowid, request.limit, ranked, words, mode, notes
    )


async def _semantic_half(
    rt: Runtime, project_rowid: int, request: SearchRequest, notes: list[str]
) -> tuple[Ranked, Matrix | None]:
    """The semantic ranking and the query's vector (None: keyword only, with a note why)."""
    if request.mode == "keyword":
        return [], None
    query = await _query_vector(rt, project_rowid, request.query, notes)
    if query is None:
        return [], None
    return await asyncio.to_thread(_semantic, rt, project_rowid, query, request), query


async def _query_vector(
    rt: Runtime, project_rowid: int, text: str, notes: list[str]
) -> Matrix | None:
    try:
        embedder = embedders.for_project(rt, project_rowid)
        if embedder is None:
            notes.append("No embedder is configured: keyword search only.")
            return None
        return await embedder.embed([text])
    except EmbedderUnavailable as exc:
        notes.append(f"The embedder is unavailable ({exc}): keyword search only.")
        return None


def _finish(
    rt: Runtime,
    project_rowid: int,
    limit: int,
    ranked: Ranked,
    words: list[str],
    mode: str,
    notes: list[str],
) -> dict[str, Any]:
    """The response: one hit per trace (snippets for these only) and the index's lag."""
    with rt.db.reader.connect() as conn:
        hits = _hits(conn, ranked, limit, words)
        index = _lag(conn, project_rowid)
    return {"data": hits, "meta": {"mode": mode, "notes": notes, "index": index}}


def _keyword(rt: Runtime, project_rowid: int, words: list[str], request: Any) -> Ranked:
    with rt.db.reader.connect() as conn:
        rows = store.keyword_hits(conn, project_rowid, words, request, request.limit * POOL)
    return [(int(row.chunk_rowid), float(row.score)) for row in rows]


def _semantic(rt: Runtime, project_rowid: int, query: Matrix, request: Any) -> Ranked:
    """The nearest chunks of the project that pass the filters (the nearest SEMANTIC_POOL
    are read, then filtered)."""
    with rt.db.reader.connect() as conn:
        k = max(SEMANTIC_POOL, request.limit * POOL)
        nearest = vectors.nearest(conn, project_rowid, query, k)
        kept = store.filtered(conn, project_rowid, [rowid for rowid, _ in nearest], request)
    return [(rowid, score) for rowid, score in nearest if rowid in kept][: request.limit * POOL]


def _fuse(rankings: Sequence[Ranked]) -> Ranked:
    """Reciprocal rank fusion: each chunk scores the sum of 1 / (RRF_K + rank) over rankings."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (rowid, _score) in enumerate(ranking, start=1):
            fused[rowid] = fused.get(rowid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _hits(conn: Connection, ranked: Ranked, limit: int, words: list[str]) -> list[dict[str, Any]]:
    """The best chunk of each trace, the `limit` best traces, with their snippets."""
    best: dict[str, tuple[int, float]] = {}
    rows = store.chunks_of(conn, [rowid for rowid, _ in ranked])
    for rowid, score in ranked:
        row = rows.get(rowid)
        if row is not None and row.trace_id not in best:
            best[row.trace_id] = (rowid, score)
        if len(best) >= limit:
            break
    chosen = list(best.values())
    marked = fulltext.snippets(conn, [rowid for rowid, _ in chosen], words)
    return [_hit(rows[rowid], score, marked.get(rowid)) for rowid, score in chosen]


def _hit(row: Any, score: float, marked: str | None) -> dict[str, Any]:
    return {
        "trace_id": row.trace_id,
        "observation_id": row.observation_id,
        "trace_name": row.name,
        "kind": row.kind,
        "timestamp": iso(row.start_time),
        "snippet": snippet_html(marked if marked else _head(row.body)),
        "score": round(score, 6),
    }


def _head(body: str) -> str:
    return body if len(body) <= SNIPPET_CHARS else body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


def snippet_html(marked: str) -> str:
    """A snippet as HTML: the text escaped, matched words in `<mark>`."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(fulltext.MARK_START, "<mark>").replace(fulltext.MARK_END, "</mark>")


def _lag(conn: Connection, project_rowid: int) -> dict[str, Any]:
    """How far the index is behind this project's committed data."""
    cursor = store.state(conn, CURSOR)
    pending = store.oldest_pending(conn, project_rowid, cursor)
    lag = 0.0 if pending is None else max(0.0, (now_us() - pending) / 1e6)
    return {"lag_seconds": round(lag, 3), "indexed_through": iso(cursor.number or None)}
