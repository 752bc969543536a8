"""The memory store ranks the same way with sqlite-vec inside SQLite (on the `sqlean` build,
which loads extensions) as in numpy, scope and expiry included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import sqlean
from sqlalchemy import create_engine, event, insert
from tests import concepts

from tracehouse.clock import now_us
from tracehouse.embeddings.vectors import pack, top_k
from tracehouse.memory import store
from tracehouse.store import sqlitevec
from tracehouse.store.tables import memories, metadata, organizations, projects

TEXTS = [
    ("user/alice", "the user prefers dark mode"),
    ("user/alice/prefs", "likes night theme"),
    ("user/alicex", "loves black colours"),
    ("user/bob", "espresso every morning"),
    ("user/alice", "the database connection timed out"),
]


def _engine(path: Path) -> Any:
    engine = create_engine(f"sqlite:///{path}", module=sqlean)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        record.info[sqlitevec.INFO_KEY] = sqlitevec.enable(dbapi_conn)

    metadata.create_all(engine)
    return engine


def test_sqlite_vec_and_numpy_agree(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "m.db")
    now = now_us()
    with engine.begin() as conn:
        conn.execute(insert(organizations).values(org_rowid=1, id="o", name="o", created_at=0))
        conn.execute(
            insert(projects).values(
                project_rowid=1, id="p", org_rowid=1, name="p", plan="free", created_at=0
            )
        )
        for i, (scope, text) in enumerate(TEXTS):
            conn.execute(
                insert(memories).values(
                    id=f"m{i}",
                    project_rowid=1,
                    scope=scope,
                    dedupe_key=f"sha:{i}",
                    content=text,
                    embedding=pack(concepts.embed(text)),
                    expires_at=now - 1 if i == 1 else None,  # expired: never ranked
                    created_at=now + i,
                    updated_at=now + i,
                )
            )
    query = np.array(concepts.embed("customer loves night theme"), dtype=np.float32)
    where = store.conditions(1, now, "user/alice", None)
    with engine.connect() as conn:
        assert sqlitevec.loaded(conn)
        in_sql = store.ranked_in_sql(conn, where, pack(query), 10)
        in_numpy = top_k(query, store.vectors(conn, where, 100), 10)
    assert [rowid for rowid, _ in in_sql] == [rowid for rowid, _ in in_numpy] == [1, 5]
    assert np.allclose([s for _, s in in_sql], [s for _, s in in_numpy], atol=1e-5)
