"""Searching the chunks on ClickHouse (`search.store`, `search.vectors` and `store.fulltext`
dispatch here): keyword hits through the `text` index, ranked BM25-like over the newest
matches; the nearest vectors by exact cosine; the chunks' rows and snippets; and the
conditions the trace and observation lists' `q` adds.

Words are matched whole and ignoring case, as ClickHouse's `splitByNonAlpha` tokenizer cuts
text (at every ASCII character that is not a letter or digit): no stemming, unlike SQLite's
FTS5 and PostgreSQL's English configuration ("failing" does not find "failed").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection

from tracehouse.store import bm25, fulltext
from tracehouse.store.clickhouse import trace_list
from tracehouse.store.clickhouse.schema import latest
from tracehouse.store.clickhouse.search_schema import BODY, CHUNKS, VECTORS
from tracehouse.store.fulltext import Hit

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

#: A token as `splitByNonAlpha` cuts them: a run of bytes that are not ASCII punctuation,
#: spaces or controls.
_TOKEN = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
SNIPPET_TOKENS = 24
_PROJECT = "project_rowid = {project:Int64}"


@dataclass(frozen=True)
class Chunk:
    """A chunk's row with its trace's name and start (`search.store.chunks_of`)."""

    chunk_rowid: int
    trace_id: str
    observation_id: str | None
    kind: str
    body: str
    name: str | None
    start_time: int | None


def tokens(words: Sequence[str]) -> list[str]:
    """The query's words as the index holds them: lower case, cut as `splitByNonAlpha` cuts
    (`get_weather` is two tokens), each once."""
    found = [token for word in words for token in _TOKEN.findall(word.lower())]
    return list(dict.fromkeys(found))


def matching(words: Sequence[str], bind: Any) -> str:
    """The condition that a chunk holds every word (`bind` makes a parameter slot)."""
    return f"hasAllTokens({BODY}, {bind(tokens(words), 'Array(String)')})"


def _scope(ch: ClickHouse, conn: Connection, project_rowid: int, filters: Any) -> Any:
    """The conditions on chunks of the project under the filters (a `sql.Where`): the trace
    filters apply to the latest version of the chunk's trace, as in the trace list."""
    where = trace_list.filtered(ch, conn, project_rowid, filters)
    on_trace = " AND ".join(f"({c})" for c in where.conditions)
    where.conditions = [_PROJECT]
    if on_trace:
        traces = latest(ch.layout, "traces", _PROJECT)
        where.add(f"trace_id IN (SELECT id FROM ({traces}) WHERE {on_trace})")
    if filters.type:
        where.add(f"kind = {where.bind(filters.type.lower())}")
    if filters.level:
        where.add(f"level = {where.bind(filters.level.upper())}")
    return where


def keyword_hits(
    ch: ClickHouse,
    conn: Connection,
    project_rowid: int,
    words: Sequence[str],
    filters: Any,
    limit: int,
) -> list[Hit]:
    """The best `limit` chunks of the project holding every word, under the filters: the
    newest `fulltext.RANK_WINDOW` matches, ranked by BM25 (IDF over the project's chunks)."""
    wanted = tokens(words)
    if not wanted:
        return []
    where = _scope(ch, conn, project_rowid, filters)
    where.add(matching(wanted, where.bind))
    table = ch.layout.table(CHUNKS)
    newest = (  # answered from the text index and the sort key's columns, no body read
        f"SELECT chunk_rowid FROM {table} WHERE {where.sql} "
        f"ORDER BY indexed_at DESC, chunk_rowid DESC LIMIT {int(fulltext.RANK_WINDOW)}"
    )
    sql = (
        f"SELECT chunk_rowid, trace_id, observation_id, body FROM {table} "
        f"WHERE {_PROJECT} AND chunk_rowid IN ({newest}) "
        "ORDER BY indexed_at DESC, chunk_rowid DESC"
    )
    window = ch.rows(sql, where.params)
    if not window:
        return []
    weights = _idf(ch, project_rowid, wanted)
    scores = bm25.scores([row["body"] for row in window], wanted, weights)
    return [  # equal scores: the newer first, as on the relational stores
        Hit(int(row["chunk_rowid"]), row["trace_id"], row["observation_id"] or None, float(score))
        for row, score in (
            (window[i], scores[i]) for i in np.argsort(-scores, kind="stable")[:limit]
        )
    ]


def _idf(ch: ClickHouse, project_rowid: int, wanted: list[str]) -> list[float]:
    """Each word's inverse document frequency among the project's chunks (all 1 for one
    word: every match holds it, so it orders nothing)."""
    if len(wanted) == 1:
        return [1.0]
    table = ch.layout.table(CHUNKS)
    params: dict[str, Any] = {"project": project_rowid}
    parts = [f"(SELECT count() FROM {table} WHERE {_PROJECT})"]
    for n, word in enumerate(wanted):
        params[f"w{n}"] = word
        parts.append(f"(SELECT count() FROM {table} WHERE {_PROJECT} "
                     f"AND hasToken({BODY}, {{w{n}:String}}))")  # fmt: skip
    counts = ch.client.query("SELECT " + ", ".join(parts), parameters=params).result_rows[0]
    total = int(counts[0])
    return [bm25.idf(int(df), total) for df in counts[1:]]


def nearest(
    ch: ClickHouse, project_rowid: int, unit: Sequence[float], k: int
) -> list[tuple[int, float]]:
    """The `k` chunks of the project nearest a unit query vector: (chunk rowid, cosine),
    exact (every vector of the project of the query's dimensions)."""
    sql = (
        "SELECT chunk_rowid, 1 - cosineDistance(embedding, {query:Array(Float32)}) AS score "
        f"FROM {ch.layout.table(VECTORS)} WHERE {_PROJECT} "
        "AND length(embedding) = {dims:UInt32} ORDER BY score DESC, chunk_rowid LIMIT {k:UInt32}"
    )
    params = {"project": project_rowid, "query": list(unit), "dims": len(unit), "k": k}
    return [(int(r["chunk_rowid"]), float(r["score"])) for r in ch.rows(sql, params)]


def filtered(
    ch: ClickHouse, conn: Connection, project_rowid: int, rowids: Sequence[int], filters: Any
) -> set[int]:
    """Those of the chunks that are the project's and pass the filters."""
    if not rowids:
        return set()
    where = _scope(ch, conn, project_rowid, filters)
    where.add(f"chunk_rowid IN {where.bind(list(rowids), 'Array(Int64)')}")
    sql = f"SELECT chunk_rowid FROM {ch.layout.table(CHUNKS)} WHERE {where.sql}"
    return {int(row["chunk_rowid"]) for row in ch.rows(sql, where.params)}


def chunks_of(ch: ClickHouse, rowids: Sequence[int]) -> dict[int, Chunk]:
    """{chunk rowid: its row with the trace's name and start} (chunks of traces gone left
    out, as the relational join leaves them)."""
    if not rowids:
        return {}
    sql = (
        "SELECT chunk_rowid, project_rowid, trace_id, observation_id, kind, body "
        f"FROM {ch.layout.table(CHUNKS)} WHERE chunk_rowid IN {{rowids:Array(Int64)}}"
    )
    rows = ch.rows(sql, {"rowids": list(rowids)})
    traces = _traces(ch, {(int(r["project_rowid"]), r["trace_id"]) for r in rows})
    out = {}
    for row in rows:
        trace = traces.get((int(row["project_rowid"]), row["trace_id"]))
        if trace is not None:
            out[int(row["chunk_rowid"])] = Chunk(
                int(row["chunk_rowid"]), row["trace_id"], row["observation_id"] or None,
                row["kind"], row["body"], trace["name"], trace["start_time"],
            )  # fmt: skip
    return out


def _traces(ch: ClickHouse, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    if not keys:
        return {}
    where = "(project_rowid, id) IN {keys:Array(Tuple(Int64, String))}"
    sql = latest(ch.layout, "traces", where, "project_rowid, id, name, start_time")
    return {(int(r["project_rowid"]), r["id"]): r for r in ch.rows(sql, {"keys": list(keys)})}


def snippets(ch: ClickHouse, rowids: Sequence[int], words: Sequence[str]) -> dict[int, str]:
    """{chunk rowid: a passage of its body around the first matched word, words marked}."""
    wanted = set(tokens(words))
    if not rowids or not wanted:
        return {}
    sql = (
        f"SELECT chunk_rowid, body FROM {ch.layout.table(CHUNKS)} "
        "WHERE chunk_rowid IN {rowids:Array(Int64)}"
    )
    rows = ch.rows(sql, {"rowids": list(rowids)})
    marked = {int(row["chunk_rowid"]): marked_passage(row["body"], wanted) for row in rows}
    return {rowid: text for rowid, text in marked.items() if text is not None}


def marked_passage(body: str, wanted: set[str]) -> str | None:
    """About SNIPPET_TOKENS tokens of `body` from shortly before its first matched token,
    matches between `fulltext.MARK_START` and `MARK_END`, cuts shown as `…` (None: none
    matched)."""
    found = list(_TOKEN.finditer(body))
    hits = [n for n, token in enumerate(found) if token.group().lower() in wanted]
    if not hits:
        return None
    first = max(0, hits[0] - SNIPPET_TOKENS // 4)
    last = min(len(found), first + SNIPPET_TOKENS) - 1
    parts, at = [], found[first].start()
    for token in found[first : last + 1]:
        parts.append(body[at : token.start()])
        text = token.group()
        is_hit = text.lower() in wanted
        parts.append(f"{fulltext.MARK_START}{text}{fulltext.MARK_END}" if is_hit else text)
        at = token.end()
    head = "…" if first > 0 else ""
    tail = "…" if last < len(found) - 1 else ""
    return head + "".join(parts) + tail


def trace_ids_matching(ch: ClickHouse, words: Sequence[str], bind: Any) -> str:
    """A subquery of the ids of the project's traces with a chunk holding every word (the
    trace list's `q`; parameter `project` bound by the caller)."""
    return (
        f"SELECT trace_id FROM {ch.layout.table(CHUNKS)} "
        f"WHERE {_PROJECT} AND {matching(words, bind)}"
    )


def observation_ids_matching(ch: ClickHouse, words: Sequence[str], bind: Any) -> str:
    """Likewise, the ids of the project's observations (the observation list's `q`)."""
    return (
        f"SELECT observation_id FROM {ch.layout.table(CHUNKS)} "
        f"WHERE {_PROJECT} AND observation_id != '' AND {matching(words, bind)}"
    )
