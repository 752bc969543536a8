"""Columns added to the ClickHouse schema after a deployment created its tables: opening the
store adds them (idempotent), and rows written before them read as if written after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.clickhouse.scratch import scratch_store

from tracehouse.store.clickhouse import client, schema

OLD = schema.Layout(database="th_added_columns")
CALLS = '{"gpt-4o": [2, 1, 300, 40, 340, 0.25, 1500.5, 2], "claude": [1, 0, 10, 5, 15, 0.5, 20, 1]}'


@pytest.fixture
def engine(clickhouse_url: str) -> Iterator[client.ClickHouse]:
    with scratch_store(clickhouse_url, OLD) as store:
        yield store


def _insert(engine: client.ClickHouse, rowid: int, calls: str | None) -> None:
    engine.client.command(
        f"INSERT INTO {OLD.table('traces')} (trace_rowid, project_rowid, id, start_time, "
        "created_at, updated_at, model_calls, _version) VALUES "
        f"({rowid}, 1, 't{rowid}', 1, 1, 1, {'NULL' if calls is None else repr(calls)}, 1)"
    )


def _models(engine: client.ClickHouse) -> list[tuple[str, list[str], list[list[float]]]]:
    sql = f"SELECT id, model_names, model_figures FROM {OLD.table('traces')} ORDER BY id"
    return [(r["id"], r["model_names"], r["model_figures"]) for r in engine.rows(sql, {})]


def test_a_table_created_before_the_model_columns_gets_them_for_old_and_new_rows(
    engine: client.ClickHouse,
) -> None:
    engine.create_schema()
    drop = "DROP COLUMN model_names, DROP COLUMN model_figures"
    engine.client.command(f"ALTER TABLE {OLD.table('traces')} {drop}")  # as created before
    _insert(engine, 1, CALLS)
    _insert(engine, 2, None)
    engine.create_schema()
    engine.create_schema()  # twice: nothing more to add
    _insert(engine, 3, CALLS)
    figures = [[2, 1, 300, 40, 340, 0.25, 1500.5, 2], [1, 0, 10, 5, 15, 0.5, 20, 1]]
    assert _models(engine) == [
        ("t1", ["gpt-4o", "claude"], figures),
        ("t2", [], []),
        ("t3", ["gpt-4o", "claude"], figures),
    ]
    columns = engine.rows(f"SELECT * FROM {OLD.table('traces')} LIMIT 1", {})[0]
    assert "model_names" not in columns  # computed, so never part of `*` nor of an insert
