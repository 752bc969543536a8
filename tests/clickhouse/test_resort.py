"""A trace table created with an older sort (before traces sorted by their first day) is
rebuilt in the current sort when the store opens: the current rows unchanged, the rebuild
done once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.clickhouse.scratch import scratch_store

from tracehouse.store.clickhouse import client, resort, schema

OLD = schema.Layout(database="th_resort")


@pytest.fixture
def engine(clickhouse_url: str) -> Iterator[client.ClickHouse]:
    with scratch_store(clickhouse_url, OLD) as store:
        yield store


def _old_traces_table(engine: client.ClickHouse) -> None:
    """The traces table as created before its sort had the first day."""
    engine.command(f"CREATE DATABASE `{OLD.database}`")
    create = schema.create_table(OLD, "traces")
    day = f"{schema.CREATED_DAY}, "
    assert day in create
    engine.command(create.replace(day, ""))


def _insert(engine: client.ClickHouse, rowid: int, version: int, name: str) -> None:
    day = 86_400_000_000
    engine.command(
        f"INSERT INTO {OLD.table('traces')} (trace_rowid, project_rowid, id, name, start_time, "
        "created_at, updated_at, _version) VALUES "
        f"({rowid}, 1, 't{rowid}', '{name}', {rowid * day}, {rowid * day}, {version}, {version})"
    )


def _current(engine: client.ClickHouse) -> list[tuple[str, str]]:
    sql = f"SELECT id, name FROM {OLD.table('traces')} FINAL ORDER BY id"
    return [(r["id"], r["name"]) for r in engine.rows(sql)]


def test_an_old_sort_is_rebuilt_at_open_keeping_the_current_rows(
    engine: client.ClickHouse,
) -> None:
    _old_traces_table(engine)
    for rowid in (1, 2, 3):
        _insert(engine, rowid, 1, "first")
    _insert(engine, 2, 2, "second")  # a newer version, not merged yet
    assert resort.outdated(engine, "traces")
    before = _current(engine)

    engine.create_schema()

    assert not resort.outdated(engine, "traces")
    key = resort.sorting_key(engine, "traces")
    assert key is not None and "toDate(fromUnixTimestamp64Micro(created_at))" in key
    assert _current(engine) == before == [("t1", "first"), ("t2", "second"), ("t3", "first")]
    # the copy may merge t2's versions on insert (`optimize_on_insert`): the newest one stays
    assert engine.value(f"SELECT count() FROM {OLD.table('traces')}") in (3, 4)
    tables = engine.rows(
        "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name",
        {"db": OLD.database},
    )
    assert "traces" + resort.SUFFIX not in [t["name"] for t in tables]
    assert resort.resort(engine) == []  # nothing left to rebuild


def test_a_cluster_keeps_its_tables_and_is_told_how_to_rebuild(
    engine: client.ClickHouse, caplog: pytest.LogCaptureFixture
) -> None:
    _old_traces_table(engine)
    engine.layout = schema.Layout(database=OLD.database, cluster="three")
    # the one-node table stands in for the local table a cluster would have
    engine.command(f"RENAME TABLE {OLD.local('traces')} TO `{OLD.database}`.`traces_local`")
    with caplog.at_level("WARNING"):
        assert resort.resort(engine) == []
    assert "sorts by an older key" in caplog.text
    assert resort.outdated(engine, "traces")
