"""The ClickHouse bridge on a real chDB: relational queries over the trace tables answer from
the latest version of each row of the project, with the relational meaning of their SQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, Boolean, Float, Integer, create_engine, func, select

from tracehouse.store.clickhouse import bridge, client, dispatch, schema
from tracehouse.store.clickhouse.client import ClickHouse
from tracehouse.store.clickhouse.url import parse
from tracehouse.store.jsonkey import JsonKey
from tracehouse.store.tables import scores, traces

T = traces.c


@pytest.fixture
def ch(clickhouse_url: str) -> Iterator[ClickHouse]:
    store = client.open_clickhouse(parse(clickhouse_url), None, async_insert=False)
    for name in schema.SPECS:
        store.command(f"TRUNCATE TABLE IF EXISTS {store.layout.local(name)}")
    yield store
    store.close()


def _row(table: Any, **values: Any) -> dict[str, Any]:
    """A whole row: the given values, the others empty (NULL where allowed)."""
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.nullable:
            row[column.name] = None
        elif isinstance(column.type, Boolean):
            row[column.name] = False
        elif isinstance(column.type, BigInteger | Integer):
            row[column.name] = 0
        elif isinstance(column.type, Float):
            row[column.name] = 0.0
        else:
            row[column.name] = ""
    return {**row, "created_at": 1_000_000, "start_time": 1_000_000, **values}


def _trace(trace_id: str, version: int, project: int = 1, **values: Any) -> dict[str, Any]:
    return _row(traces, project_rowid=project, id=trace_id, status="ok", _version=version, **values)


def test_reads_take_the_latest_version_of_the_project_only(ch: ClickHouse) -> None:
    ch.insert(
        "traces",
        [
            _trace("a", 1, name="draft", metadata='{"stage": "one", "n": 1}'),
            _trace("a", 2, name="final", metadata='{"stage": "two", "n": 2}'),
            _trace("b", 1, name="draft"),
            _trace("c", 1, project=2, name="draft"),
        ],
    )
    drafts = select(T.id).where(T.project_rowid == 1, T.name == "draft").order_by(T.id)
    # "a" was a draft once: an old version never matches
    assert [row.id for row in bridge.rows(ch, drafts, 1)] == ["b"]
    one = select(traces).where(T.project_rowid == 1, T.id.in_(["a", "c"]))
    found = bridge.mappings(ch, one, 1)
    assert [(row["id"], row["name"]) for row in found] == [("a", "final")]
    sql, _ = bridge.compile_query(ch, one, 1)
    assert "LIMIT 1 BY id" in sql and sql.count("traces.id IN") == 2  # narrowed inside too
    stage = JsonKey(T.metadata, "stage")
    number = JsonKey(T.metadata, "n", number=True)
    keyed = select(T.id, stage.label("stage"), number.label("n")).order_by(T.id)
    assert [tuple(row) for row in bridge.rows(ch, keyed, 1)] == [
        ("a", "two", 2.0),
        ("b", None, None),
    ]


def test_joins_groups_and_the_relational_fallback(ch: ClickHouse, tmp_path: Any) -> None:
    ch.insert("traces", [_trace("a", 1, name="agent"), _trace("b", 1, name="other")])
    score = {"project_rowid": 1, "trace_id": "a", "name": "quality", "source": "api"}
    ch.insert(
        "scores",
        [
            _row(scores, id="s1", value=1.0, data_type="NUMERIC", _version=1, **score),
            _row(scores, id="s1", value=0.5, data_type="NUMERIC", _version=2, **score),
            _row(scores, id="s2", value=0.0, data_type="NUMERIC", _version=1, **score),
        ],
    )
    s = scores.c
    query = (
        select(T.name, func.count().label("n"), func.avg(s.value).label("mean"))
        .select_from(
            traces.outerjoin(scores, (s.project_rowid == T.project_rowid) & (s.trace_id == T.id))
        )
        .where(T.project_rowid == 1, T.name.like("%a%", escape="\\"))
        .group_by(T.name)
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    dispatch.attach([engine], ch)
    try:
        with engine.connect() as conn:
            rows = bridge.read(conn, query, 1)
    finally:
        dispatch.detach([engine])
    assert [(row.name, row.n, row.mean) for row in rows] == [("agent", 2, 0.25)]
