"""SQL of the search index: the indexer's reads and writes, and the chunks a search finds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, tuple_, update

from tracehouse.store import fulltext
from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse import search as ch_search
from tracehouse.store.clickhouse import search_index as ch_index
from tracehouse.store.tables import (
    observations,
    projects,
    search_chunks,
    search_state,
    search_traces,
    traces,
)
from tracehouse.store.upsert import insert_many, upsert
from tracehouse.traces import filters as trace_filters

_TRACE_COLUMNS = ("trace_rowid", "project_rowid", "id", "name", "input", "output")
_TRACE_MORE = ("status_message", "is_test", "updated_at")
_OBSERVATION_COLUMNS = (
    "id",
    "type",
    "name",
    "model",
    "level",
    "status_message",
    "input",
    "output",
    "updated_at",
)


@dataclass(frozen=True)
class State:
    """One row of `search_state`: a number, a rowid and a text."""

    number: int = 0
    rowid: int = 0
    text: str | None = None


#: Prefix of the state names of an index held in ClickHouse: its cursors are its own, so a
#: deployment switched to ClickHouse indexes (and embeds) the traces there from the start.
CLICKHOUSE_STATE = "clickhouse:"


def _named(conn: Connection, name: str) -> str:
    return CLICKHOUSE_STATE + name if dispatch.of(conn) is not None else name


def state(conn: Connection, name: str) -> State:
    s = search_state.c
    query = select(s.number, s.rowid, s.text).where(s.name == _named(conn, name))
    row = conn.execute(query).first()
    return State(int(row.number), int(row.rowid), row.text) if row else State()


def set_state(conn: Connection, name: str, value: State) -> None:
    row = {
        "name": _named(conn, name),
        "number": value.number,
        "rowid": value.rowid,
        "text": value.text,
    }
    upsert(conn, search_state, [row], ("name",), replace=("number", "rowid", "text"))


def changed_traces(conn: Connection, after: State, before: int, limit: int) -> list[Any]:
    """Traces changed after the cursor `after` (updated_at, trace rowid) and before `before`."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_index.changed_traces(ch, after.number, after.rowid, before, limit)
    t = traces.c
    query = (
        select(*(t[name] for name in (*_TRACE_COLUMNS, *_TRACE_MORE)))
        .where(
            t.updated_at >= after.number,
            tuple_(t.updated_at, t.trace_rowid) > tuple_(after.number, after.rowid),
            t.updated_at < before,
        )
        .order_by(t.updated_at, t.trace_rowid)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def indexed_at(conn: Connection, trace_rowids: Sequence[int]) -> dict[int, int]:
    """{trace rowid: its `updated_at` when last indexed} of those indexed before."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_index.indexed_at(ch, trace_rowids)
    s = search_traces.c
    query = select(s.trace_rowid, s.indexed_at).where(s.trace_rowid.in_(trace_rowids))
    return {int(rowid): int(at) for rowid, at in conn.execute(query)}


def changed_observations(
    conn: Connection, project_rowid: int, trace_id: str, since: int
) -> list[Any]:
    """The trace's observations changed after `since` (all of them for since = -1)."""
    o = observations.c
    query = select(*(o[name] for name in _OBSERVATION_COLUMNS)).where(
        o.project_rowid == project_rowid, o.trace_id == trace_id, o.updated_at > since
    )
    return list(conn.execute(query).mappings())


def changed_observations_of(
    conn: Connection, wanted: Sequence[tuple[int, str, int]]
) -> dict[tuple[int, str], list[Any]]:
    """`changed_observations` of each (project, trace id, since): {(project, trace id): rows}."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_index.changed_observations(ch, wanted)
    return {(p, t): changed_observations(conn, p, t, since) for p, t, since in wanted}


def write_chunks(
    conn: Connection,
    changed: Sequence[Any],
    rows: dict[int, list[dict[str, Any]]],
    replaced: dict[int, list[str]],
    indexed: dict[int, int],
) -> None:
    """A pass's writes: each changed trace's chunks replaced (`replace_chunks`), the traces
    marked read at their `updated_at` (`indexed`)."""
    if (ch := dispatch.of(conn)) is not None:
        ch_index.write(ch, changed, rows, replaced)
        return
    for trace_rowid, chunk_rows in rows.items():
        replace_chunks(conn, trace_rowid, replaced[trace_rowid], chunk_rows)
    mark_indexed(conn, indexed)


def replace_chunks(
    conn: Connection, trace_rowid: int, observation_ids: Iterable[str], rows: list[dict[str, Any]]
) -> None:
    """Replace the trace's own chunks and those of the given observations with `rows`."""
    c = search_chunks.c
    ids = list(observation_ids)
    own = c.observation_id.is_(None)
    stale = or_(own, c.observation_id.in_(ids)) if ids else own
    conn.execute(delete(search_chunks).where(c.trace_rowid == trace_rowid, stale))
    insert_many(conn, search_chunks, rows)


def mark_indexed(conn: Connection, indexed: dict[int, int]) -> None:
    rows = [{"trace_rowid": rowid, "indexed_at": at} for rowid, at in indexed.items()]
    upsert(conn, search_traces, rows, ("trace_rowid",), replace=("indexed_at",))


def oldest_pending(conn: Connection, project_rowid: int, cursor: State) -> int | None:
    """When the project's oldest trace change the index has not read yet happened (µs). Read
    through the (updated_at, trace_rowid) index from the cursor on, up to the first change of
    the project (`+ 0` keeps SQLite from walking the whole project by its own index instead)."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_index.oldest_pending(ch, project_rowid, cursor.number, cursor.rowid)
    t = traces.c
    query = (
        select(t.updated_at)
        .where(
            t.updated_at >= cursor.number,
            tuple_(t.updated_at, t.trace_rowid) > tuple_(cursor.number, cursor.rowid),
            t.project_rowid + 0 == project_rowid,
        )
        .order_by(t.updated_at, t.trace_rowid)
        .limit(1)
    )
    value = conn.execute(query).scalar()
    return None if value is None else int(value)


def keyword_hits(
    conn: Connection, project_rowid: int, words: Sequence[str], filters: Any, limit: int
) -> list[Any]:
    """The best `limit` chunks of the project holding every word, under the filters, best
    first (equal scores: the newer first), as `fulltext.Hit`s. The filters apply before the
    ranking window (`fulltext.RANK_WINDOW`, the newest matches), so a filtered query ranks its
    own newest matches."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_search.keyword_hits(ch, conn, project_rowid, words, filters, limit)
    query = _scoped(fulltext.ranked(conn, words, project_rowid), project_rowid, filters)
    return fulltext.best(conn, words, conn.execute(query).all(), limit)


def _scoped(query: Any, project_rowid: int, filters: Any) -> Any:
    """`query` over chunks restricted to the project, the trace filters and the span's type
    and level."""
    c = search_chunks.c
    conditions = [c.project_rowid == project_rowid]
    if filters.type:
        conditions.append(c.kind == filters.type.lower())
    if filters.level:
        conditions.append(c.level == filters.level.upper())
    on_trace = trace_filters.conditions(filters)
    if on_trace:
        query = query.join(traces, traces.c.trace_rowid == c.trace_rowid)
    return query.where(*conditions, *on_trace)


def chunks_of(conn: Connection, rowids: Sequence[int]) -> dict[int, Any]:
    """{chunk rowid: its row with the trace's name}."""
    if (ch := dispatch.of(conn)) is not None:
        return dict(ch_search.chunks_of(ch, rowids))
    c, t = search_chunks.c, traces.c
    query = (
        select(c.chunk_rowid, c.trace_id, c.observation_id, c.kind, c.body, t.name, t.start_time)
        .join(traces, t.trace_rowid == c.trace_rowid)
        .where(c.chunk_rowid.in_(rowids))
    )
    return {int(row.chunk_rowid): row for row in conn.execute(query)}


def clear_embeddings(conn: Connection, project_rowid: int) -> None:
    if (ch := dispatch.of(conn)) is not None:
        ch_index.clear_embeddings(ch, project_rowid)
        return
    c = search_chunks.c
    conn.execute(
        update(search_chunks).where(c.project_rowid == project_rowid).values(embedding=None)
    )


def unembedded(conn: Connection, project_rowid: int, after: int, limit: int) -> list[Any]:
    """The project's next chunks after rowid `after`: (chunk_rowid, body). On ClickHouse
    (row ids are hashes, not in order of arrival) the next chunks without a vector."""
    if (ch := dispatch.of(conn)) is not None:
        return [_Row(row) for row in ch_index.unembedded(ch, project_rowid, limit)]
    c = search_chunks.c
    query = (
        select(c.chunk_rowid, c.body)
        .where(c.project_rowid == project_rowid, c.chunk_rowid > after)
        .order_by(c.chunk_rowid)
        .limit(limit)
    )
    return list(conn.execute(query))


def set_embeddings(conn: Connection, vectors: list[tuple[int, bytes]]) -> None:
    if (ch := dispatch.of(conn)) is not None:
        ch_index.set_embeddings(ch, vectors)
        return
    c = search_chunks.c
    statement = (
        update(search_chunks)
        .where(c.chunk_rowid == bindparam("rowid"))
        .values(embedding=bindparam("blob"))
    )
    conn.execute(statement, [{"rowid": rowid, "blob": blob} for rowid, blob in vectors])


def embedded(
    conn: Connection, project_rowid: int, after: int, through: int, limit: int
) -> list[Any]:
    """The project's first `limit` embedded chunks with rowids in (after, through]:
    (chunk_rowid, embedding), in rowid order."""
    c = search_chunks.c
    query = (
        select(c.chunk_rowid, c.embedding)
        .where(
            c.project_rowid == project_rowid,
            c.chunk_rowid > after,
            c.chunk_rowid <= through,
            c.embedding.is_not(None),
        )
        .order_by(c.chunk_rowid)
        .limit(limit)
    )
    return list(conn.execute(query))


def project_rowids(conn: Connection) -> list[int]:
    return [int(p) for p in conn.execute(select(projects.c.project_rowid)).scalars()]


def filtered(conn: Connection, project_rowid: int, rowids: Sequence[int], filters: Any) -> set[int]:
    """Those of the chunks (of any project) that are the project's and pass the filters."""
    if (ch := dispatch.of(conn)) is not None:
        return ch_search.filtered(ch, conn, project_rowid, rowids, filters)
    c = search_chunks.c
    return set(
        conn.execute(
            _scoped(select(c.chunk_rowid), project_rowid, filters).where(c.chunk_rowid.in_(rowids))
        ).scalars()
    )


class _Row:
    """A ClickHouse row (a dict) read by attribute, as SQLAlchemy's rows are."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)
