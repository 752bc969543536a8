"""Memory search: semantic (cosine over the entries' vectors) when the project has an embedder,
keyword otherwise or when the embedder is down; the answer says which, and why."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement

from tracehouse import jsontext
from tracehouse.clock import now_us
from tracehouse.embeddings.base import EmbedderUnavailable
from tracehouse.embeddings.vectors import pack, top_k
from tracehouse.http.auth import ProjectScope
from tracehouse.memory import store, vectors
from tracehouse.memory.schemas import MemorySearchIn
from tracehouse.memory.service import render
from tracehouse.runtime import Runtime
from tracehouse.store import sqlitevec

#: Entries a keyword search scores, newest first; vectors a semantic search ranks in numpy.
KEYWORD_CANDIDATES = 2_000
VECTOR_CANDIDATES = 50_000
#: Ranked hits fetched per hit wanted, so exact metadata checks can drop some.
OVERFETCH = 4
_TERMS = 16


def _matches(row: Any, filters: dict[str, Any] | None) -> bool:
    if not filters:
        return True
    metadata = jsontext.loads(row["metadata"]) or {}
    return all(key in metadata and metadata[key] == value for key, value in filters.items())


def terms(query: str) -> list[str]:
    """The query's distinct words (the whole query when it has none)."""
    found = list(dict.fromkeys(re.findall(r"\w+", query.lower())))[:_TERMS]
    return found or [query.lower()]


def _keyword_score(content: str, words: list[str]) -> float:
    text = content.lower()
    return sum(1 for word in words if word in text) / len(words)


def keyword(
    rt: Runtime, where: list[ColumnElement[bool]], body: MemorySearchIn
) -> list[dict[str, Any]]:
    """Entries holding any query word, scored by the share of the words they hold; ties go
    to the more important, then the more recent."""
    words = terms(body.query)
    with rt.db.reader.connect() as conn:
        rows = store.recent(conn, [*where, store.keyword_conditions(words)], KEYWORD_CANDIDATES)
    scored = [(_keyword_score(row["content"], words), row) for row in rows]
    scored.sort(key=lambda hit: (hit[0], hit[1]["importance"] or 0.0), reverse=True)
    hits = [
        render(row, score)
        for score, row in scored
        if _matches(row, body.metadata) and (body.min_score is None or score >= body.min_score)
    ]
    return hits[: body.limit]


def semantic(
    rt: Runtime, where: list[ColumnElement[bool]], query: np.ndarray[Any, Any], body: MemorySearchIn
) -> list[dict[str, Any]]:
    """Entries by cosine similarity of their vectors to the query's."""
    wanted = body.limit * OVERFETCH
    with rt.db.reader.connect() as conn:
        if sqlitevec.loaded(conn):
            ranked = store.ranked_in_sql(conn, where, pack(query), wanted)
        else:
            ranked = top_k(query, store.vectors(conn, where, VECTOR_CANDIDATES), wanted)
        rows = store.by_rowids(conn, [rowid for rowid, _ in ranked])
    hits = [
        render(rows[rowid], score)
        for rowid, score in ranked
        if rowid in rows and _matches(rows[rowid], body.metadata)
        if body.min_score is None or score >= body.min_score
    ]
    return hits[: body.limit]


async def _semantic_or_none(
    rt: Runtime, scope: ProjectScope, where: list[ColumnElement[bool]], body: MemorySearchIn
) -> dict[str, Any] | None:
    """Semantic results, or None when the project has no embedder."""
    embedder = await vectors.embedder_for(rt, scope.project_rowid)
    if embedder is None:
        return None
    query = (await embedder.embed([body.query]))[0]
    await vectors.prepare(rt, scope.project_rowid, embedder)
    await vectors.backfill(rt, scope.project_rowid, embedder, where)
    hits = await asyncio.to_thread(semantic, rt, where, query, body)
    return {"data": hits, "mode": "semantic", "embedder": embedder.name, "note": None}


async def search(rt: Runtime, scope: ProjectScope, body: MemorySearchIn) -> dict[str, Any]:
    """`mode` `auto`: semantic when an embedder is configured and answers, else keyword."""
    where = [
        *store.conditions(scope.project_rowid, now_us(), body.scope, body.category),
        *store.metadata_conditions(body.metadata),
    ]
    note = None
    if body.mode != "keyword":
        try:
            found = await _semantic_or_none(rt, scope, where, body)
        except EmbedderUnavailable as exc:
            found, note = None, f"The embedder is unavailable ({exc}); keyword results instead."
        if found is not None:
            return found
        if note is None and body.mode == "semantic":
            note = "This project has no embedder (see docs/memory.md); keyword results instead."
    hits = await asyncio.to_thread(keyword, rt, where, body)
    return {"data": hits, "mode": "keyword", "embedder": None, "note": note}
