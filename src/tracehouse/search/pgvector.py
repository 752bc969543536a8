"""Span vectors in PostgreSQL with pgvector, where the `vector` extension is installed (or
available and ours to install): a side table `search_vectors` beside `search_chunks`, ranked in
SQL by cosine distance (`<=>`, exact). Elsewhere (SQLite, PostgreSQL without the extension)
`search.vectors` ranks an in-process numpy copy instead; `search_chunks.embedding` keeps the
float32 blob either way, so the side table can always be rebuilt.

The side table is not an Alembic model: it exists only where the extension does, so the writer
creates it on first use (see `enable`); `tables.search.UNMODELLED` names it. Its `vector`
column has no fixed dimension (a project's model can change), so there is no HNSW index by
default; `docs/search.md` shows how to add one for a fixed model.
"""

from __future__ import annotations

import logging
import weakref

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from tracehouse.embeddings.base import Matrix
from tracehouse.store.clickhouse import dispatch

log = logging.getLogger(__name__)

EXTENSION = "vector"
TABLE = "search_vectors"
_INSTALLED = text("SELECT 1 FROM pg_extension WHERE extname = :name")
_OFFERED = text("SELECT 1 FROM pg_available_extensions WHERE name = :name")
_CREATE_EXTENSION = text("CREATE EXTENSION IF NOT EXISTS vector")
_EXISTS = text("SELECT to_regclass('search_vectors') IS NOT NULL")
_DDL = (
    "CREATE TABLE IF NOT EXISTS search_vectors ("
    " chunk_rowid bigint PRIMARY KEY REFERENCES search_chunks (chunk_rowid) ON DELETE CASCADE,"
    " project_rowid bigint NOT NULL,"
    " embedding vector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_vectors_project ON search_vectors (project_rowid)",
    # Chunks embedded before the table existed are embedded again, into both places.
    "UPDATE search_state SET rowid = 0 WHERE name LIKE 'embedded:%'",
)
_WRITE = text(
    "INSERT INTO search_vectors (chunk_rowid, project_rowid, embedding)"
    " VALUES (:rowid, :project, CAST(:vector AS vector))"
    " ON CONFLICT (chunk_rowid) DO UPDATE SET embedding = excluded.embedding"
)
_CLEAR = text("DELETE FROM search_vectors WHERE project_rowid = :project")
_NEAREST = text(
    "SELECT chunk_rowid, 1 - (embedding <=> CAST(:query AS vector)) AS score"
    " FROM search_vectors WHERE project_rowid = :project AND vector_dims(embedding) = :dims"
    " ORDER BY embedding <=> CAST(:query AS vector) LIMIT :k"
)
_enabled: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def has_extension(conn: Connection, name: str) -> bool:
    """Whether the extension `name` is installed in this PostgreSQL database."""
    return conn.execute(_INSTALLED, {"name": name}).first() is not None


def offers_extension(conn: Connection, name: str) -> bool:
    """Whether the server could install the extension `name` (its files are there)."""
    return conn.execute(_OFFERED, {"name": name}).first() is not None


def probe(conn: Connection) -> bool:
    """Whether pgvector serves this database: PostgreSQL with `vector` installed, or offered
    and installable by this role (tried in a savepoint: a refusal is no error). When so, the
    side table exists afterwards. Never with ClickHouse: the vectors are there."""
    if conn.dialect.name != "postgresql" or dispatch.of(conn) is not None:
        return False
    installable = has_extension(conn, EXTENSION) or offers_extension(conn, EXTENSION)
    if not installable or not _install(conn):
        return False
    if not conn.execute(_EXISTS).scalar():
        for statement in _DDL:
            conn.execute(text(statement))
    return True


def _install(conn: Connection) -> bool:
    """Install the extension unless it is (True: installed now)."""
    if has_extension(conn, EXTENSION):
        return True
    try:
        with conn.begin_nested():
            conn.execute(_CREATE_EXTENSION)
    except DBAPIError as exc:
        log.warning("pgvector is available but could not be installed: %s", exc.orig)
        return False
    return True


def enable(conn: Connection) -> bool:
    """`probe`, once per engine (the writer's, inside its transaction)."""
    found = _enabled.get(conn.engine)
    if found is None:
        found = _enabled[conn.engine] = probe(conn)
    return found


def serves(conn: Connection) -> bool:
    """Whether searches read vectors from the side table (it exists: the writer enabled it)."""
    if conn.dialect.name != "postgresql" or dispatch.of(conn) is not None:
        return False
    return bool(conn.execute(_EXISTS).scalar())


def literal(vector: Matrix) -> str:
    """A vector as pgvector's text form, `[1.0,2.5,…]`."""
    return "[" + ",".join(repr(float(x)) for x in vector.reshape(-1)) + "]"


def write(conn: Connection, project_rowid: int, rows: list[tuple[int, Matrix]]) -> None:
    """Store the vectors of these chunks (chunk rowid, unit vector)."""
    values = [{"rowid": r, "project": project_rowid, "vector": literal(v)} for r, v in rows]
    if values:
        conn.execute(_WRITE, values)


def clear(conn: Connection, project_rowid: int) -> None:
    conn.execute(_CLEAR, {"project": project_rowid})


def nearest(conn: Connection, project_rowid: int, query: Matrix, k: int) -> list[tuple[int, float]]:
    """The `k` chunks of the project nearest to the query vector: (chunk rowid, cosine)."""
    values = {"query": literal(query), "project": project_rowid, "dims": query.size, "k": k}
    return [(int(rowid), float(score)) for rowid, score in conn.execute(_NEAREST, values)]
