"""Vector storage: float32 blobs, exact cosine top-k in numpy, and the same ranking inside SQLite
by sqlite-vec where the interpreter loads extensions (here: the `sqlean` build), silently absent
where it cannot (this interpreter's own `sqlite3`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import sqlean
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from tests import concepts

from tracehouse.config import Settings
from tracehouse.embeddings import vectors
from tracehouse.store import sqlitevec
from tracehouse.store.engine import open_database

TEXTS = [
    "the user prefers dark mode",
    "espresso every morning",
    "vegetarian meals only",
    "the database connection timed out",
    "likes night theme",
]


def test_blob_round_trip_is_four_bytes_per_dimension() -> None:
    vector = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    blob = vectors.pack(vector)
    assert len(blob) == 12
    assert vectors.unpack(blob).tolist() == [0.5, -1.25, 3.0]
    assert vectors.pack([0.5, -1.25, 3.0]) == blob


def test_top_k_is_exact_cosine_best_first() -> None:
    rows = [(i, vectors.pack(concepts.embed(t))) for i, t in enumerate(TEXTS)]
    query = np.array(concepts.embed("customer loves black colours"), dtype=np.float32)
    hits = vectors.top_k(query, rows, 2)
    assert [key for key, _ in hits] == [0, 4]  # paraphrases sharing no word with the query
    assert hits[0][1] >= hits[1][1] > 0.5
    matrix = vectors.normalized(np.vstack([vectors.unpack(b) for _, b in rows]))
    expected = matrix @ (query / np.linalg.norm(query))
    assert hits[1][1] == pytest.approx(float(expected[4]), abs=1e-6)


def test_top_k_skips_other_sizes_and_applies_the_minimum() -> None:
    rows = [(1, vectors.pack([1.0, 0.0])), (2, vectors.pack([1.0, 0.0, 0.0])), (3, b"")]
    assert vectors.top_k(np.array([1.0, 0.0], dtype=np.float32), rows, 5) == [(1, 1.0)]
    query = np.array([0.0, 1.0], dtype=np.float32)
    assert vectors.top_k(query, rows, 5, min_score=0.5) == []
    assert vectors.top_k(query, [], 5) == []
    assert vectors.top_k(query, rows, 0) == []


def _sqlean_engine(path: Path) -> object:
    engine = create_engine(f"sqlite:///{path}", module=sqlean)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: object, record: object) -> None:
        record.info[sqlitevec.INFO_KEY] = sqlitevec.enable(dbapi_conn)  # type: ignore[attr-defined]

    return engine


def test_sqlite_vec_ranks_like_numpy(tmp_path: Path) -> None:
    table = Table(
        "vecs",
        MetaData(),
        Column("k", Integer, primary_key=True),
        Column("embedding", LargeBinary),
    )
    engine = _sqlean_engine(tmp_path / "v.db")
    table.metadata.create_all(engine)  # type: ignore[arg-type]
    rows = [(i, vectors.pack(concepts.embed(t))) for i, t in enumerate(TEXTS)]
    query = np.array(concepts.embed("a slow sql failure"), dtype=np.float32)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        assert sqlitevec.loaded(conn)
        conn.execute(insert(table), [{"k": k, "embedding": b} for k, b in rows])
        score = sqlitevec.cosine_similarity(table.c.embedding, vectors.pack(query))
        found = conn.execute(select(table.c.k, score).order_by(score.desc()).limit(3)).all()
    expected = vectors.top_k(query, rows, 3)
    assert [k for k, _ in found] == [k for k, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], abs=1e-5)


def test_without_extension_loading_nothing_fails(tmp_path: Path) -> None:
    """This interpreter's sqlite3 may lack `enable_load_extension`: then sqlite-vec is simply
    not used, and the server's engines say so."""
    can_load = hasattr(sqlite3.Connection, "enable_load_extension")
    assert sqlitevec.enable(sqlite3.connect(":memory:")) is can_load
    db = open_database(Settings(data_dir=tmp_path))
    try:
        with db.reader.connect() as conn:
            assert sqlitevec.loaded(conn) is can_load
    finally:
        db.dispose()
    assert sqlitevec.enable(object()) is False
