"""Keyword search over `search_chunks.body`: SQLite FTS5 (`search_fts`, BM25) or PostgreSQL
full-text search (`to_tsvector('english', body)`, GIN, `ts_rank_cd`), behind one interface.

A query is reduced to its words (letters and digits); a chunk matches when it holds every word
(stemmed: "failing" finds "failed"). Snippets mark matched words between `MARK_START` and
`MARK_END`, which callers turn into `<mark>` after escaping the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from tracehouse.store.clickhouse import dispatch
from tracehouse.store.tables.search import FTS_TABLE, search_chunks

MARK_START, MARK_END = "\x02", "\x03"
MAX_TERMS = 32
#: Matching chunks ranked per query at most (the newest); see `ranked`.
RANK_WINDOW = 2_000
_WORD = re.compile(r"\w+")
_fts = table(FTS_TABLE, column("rowid"), column("body"))
_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")  # as the GIN index spells it


def terms(query: str) -> list[str]:
    """The words of a query that keyword search looks for."""
    return _WORD.findall(query)[:MAX_TERMS]


def _fts_query(words: Sequence[str]) -> str:
    return " ".join(f'"{word}"' for word in words)  # each a quoted string: no operators


def _ts_query(words: Sequence[str]) -> Any:
    return func.plainto_tsquery(_CONFIG, literal(" ".join(words)))


def _ts_vector() -> Any:
    return func.to_tsvector(_CONFIG, search_chunks.c.body)


class KeywordMatch(ColumnElement[bool]):
    """The `search_chunks` row holds every word of `words` (for use in any query)."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("query", InternalTraversal.dp_string),
    ]

    def __init__(self, words: Sequence[str]):
        self.query = " ".join(words)


@compiles(KeywordMatch)
def _match_postgres(element: KeywordMatch, compiler: Any, **kw: Any) -> str:
    condition = _ts_vector().op("@@")(_ts_query(element.query.split()))
    text: str = compiler.process(condition, **kw)
    return text


@compiles(KeywordMatch, "sqlite")
def _match_sqlite(element: KeywordMatch, compiler: Any, **kw: Any) -> str:
    inner = select(_fts.c.rowid).where(_matches(element.query.split()))
    text: str = compiler.process(search_chunks.c.chunk_rowid.in_(inner), **kw)
    return text


def _matches(words: Sequence[str]) -> ColumnElement[bool]:
    matches: ColumnElement[bool] = column(FTS_TABLE).op("MATCH")(_fts_query(words))
    return matches


def ranked(conn: Connection, words: Sequence[str], project_rowid: int) -> Select[Any]:
    """`(chunk_rowid, trace_id, observation_id, score)` of the project's chunks holding every
    word, a higher score better: the newest RANK_WINDOW of them (callers sort by score), so
    words found in most chunks cost a bounded time. Ranking every match grows with the data
    (about a second at 400,000 matches); BM25 on SQLite also reads every matching entry of each
    word once per query for its IDF (about 30 ms at 1,000,000 chunks for words in 40 % of
    them), which is why the window is small: each ranked chunk costs about 4 µs more."""
    c = search_chunks.c
    if conn.dialect.name == "sqlite":
        bm25 = -func.bm25(column(FTS_TABLE))
        return (
            select(
                _fts.c.rowid.label("chunk_rowid"), c.trace_id, c.observation_id, bm25.label("score")
            )
            .join_from(_fts, search_chunks, c.chunk_rowid == _fts.c.rowid)
            .where(_matches(words), c.project_rowid == project_rowid)
            .order_by(_fts.c.rowid.desc())
            .limit(RANK_WINDOW)
        )
    vector = _ts_vector()
    query = _ts_query(words)
    score = func.ts_rank_cd(vector, query)
    return (
        select(c.chunk_rowid, c.trace_id, c.observation_id, score.label("score"))
        .where(vector.op("@@")(query), c.project_rowid == project_rowid)
        .order_by(c.chunk_rowid.desc())
        .limit(RANK_WINDOW)
    )


def snippets(conn: Connection, rowids: Sequence[int], words: Sequence[str]) -> dict[int, str]:
    """{chunk rowid: a passage of its body around the matched words, marked}."""
    if not rowids or not words:
        return {}
    if (ch := dispatch.of(conn)) is not None:
        from tracehouse.store.clickhouse import search as ch_search  # it imports this module

        return ch_search.snippets(ch, rowids, words)
    if conn.dialect.name == "sqlite":
        marked = func.snippet(column(FTS_TABLE), 0, MARK_START, MARK_END, "…", 24)
        query = select(_fts.c.rowid, marked).where(_matches(words), _fts.c.rowid.in_(rowids))
    else:
        options = f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=30, MinWords=12'
        c = search_chunks.c
        marked = func.ts_headline(_CONFIG, c.body, _ts_query(words), literal(options))
        query = select(c.chunk_rowid, marked).where(c.chunk_rowid.in_(rowids))
    return {int(rowid): str(text) for rowid, text in conn.execute(query)}


def matching_traces(words: Sequence[str]) -> Select[Any]:
    """The rowids of the traces with a chunk holding every word (of any project: the caller's
    query is scoped already)."""
    return select(search_chunks.c.trace_rowid).where(KeywordMatch(words))


def matching_observations(words: Sequence[str]) -> Select[Any]:
    """(project rowid, observation id) of the observations with a chunk holding every word."""
    c = search_chunks.c
    return select(c.project_rowid, c.observation_id).where(
        c.observation_id.is_not(None), KeywordMatch(words)
    )
