"""The cluster variant of the ClickHouse schema, inspected (a cluster cannot run here): with a
cluster name every statement runs ON CLUSTER, rows live in Replicated tables keyed by the
{shard}/{replica} macros, and a Distributed table sharded by key columns stands in front of
each. The statements are parsed by the real engine (chDB's `formatQuery`). Quorum inserts and
the settings' checks: test_schema.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tracehouse.store.clickhouse import client, schema
from tracehouse.store.clickhouse.url import parse

CLUSTER = schema.Layout(database="tracehouse", cluster="tracehouse")
SINGLE = schema.Layout(database="tracehouse")
TABLES = ("traces", "observations", "scores", "trace_model_calls")


def statement(layout: schema.Layout, start: str) -> str:
    """The one generated statement starting with `start`."""
    found = [s for s in schema.ddl(layout) if s.startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


def test_every_cluster_statement_runs_on_the_cluster() -> None:
    statements = schema.ddl(CLUSTER)
    # the database, then local + Distributed, and the columns added since, on both
    assert len(statements) == 1 + 2 * len(TABLES) + 2
    for sql in statements:
        head = sql.split("\n")[0]
        assert re.match(
            r"(CREATE (DATABASE|TABLE) IF NOT EXISTS|ALTER TABLE) [`.\w]+ ON CLUSTER `tracehouse`",
            head,
        )
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS `tracehouse` ON CLUSTER `tracehouse`"


@pytest.mark.parametrize("table", TABLES)
def test_rows_live_in_replicated_tables_with_shard_and_replica_macros(table: str) -> None:
    sql = statement(CLUSTER, f"CREATE TABLE IF NOT EXISTS `tracehouse`.`{table}_local`")
    path = f"/clickhouse/tables/{{shard}}/tracehouse/{table}_local"
    assert f"ENGINE = ReplicatedReplacingMergeTree('{path}', '{{replica}}', _version)" in sql
    assert f"ORDER BY ({', '.join(schema.SPECS[table].sort)})" in sql
    assert "PARTITION BY toYYYYMM(fromUnixTimestamp64Micro(created_at))" in sql


@pytest.mark.parametrize("table", TABLES)
def test_a_distributed_table_stands_in_front_sharded_by_key_columns(table: str) -> None:
    sql = statement(CLUSTER, f"CREATE TABLE IF NOT EXISTS `tracehouse`.`{table}` ")
    assert f" AS `tracehouse`.`{table}_local`\n" in sql  # the same columns as the local table
    engine = re.search(r"ENGINE = Distributed\(`tracehouse`, `tracehouse`, `(\w+)`, (.+)\)$", sql)
    assert engine is not None, sql
    assert engine.group(1) == f"{table}_local"
    # every version of a row goes to one shard (where ReplacingMergeTree can merge them): the
    # sharding key uses only columns of the ordering key, which no version changes
    sharded_by = set(re.findall(r"\w+", engine.group(2))) - {"cityHash64"}
    assert sharded_by <= set(schema.KEYS[table]), sharded_by
    assert "project_rowid" in sharded_by


def test_reads_and_inserts_name_the_distributed_table_and_deletes_the_local_one() -> None:
    assert CLUSTER.table("traces") == "`tracehouse`.`traces`"
    assert CLUSTER.local("traces") == "`tracehouse`.`traces_local`"
    assert CLUSTER.on_cluster == " ON CLUSTER `tracehouse`"


def test_one_node_has_no_cluster_engines_and_deduplicates_on_its_own() -> None:
    statements = schema.ddl(SINGLE)
    assert len(statements) == 1 + len(TABLES) + 1  # and the columns added to `traces`
    joined = "\n".join(statements)
    for word in ("ON CLUSTER", "Replicated", "Distributed", "{shard}", "{replica}"):
        assert word not in joined
    for table in TABLES:
        sql = statement(SINGLE, f"CREATE TABLE IF NOT EXISTS `tracehouse`.`{table}`")
        assert "ENGINE = ReplacingMergeTree(_version)" in sql
        assert "non_replicated_deduplication_window = 1000" in sql
    assert client.insert_settings(cluster=False, async_insert=False) == {}


@pytest.fixture
def engine(clickhouse_url: str) -> Iterator[client.ClickHouse]:
    store = client.open_clickhouse(parse(clickhouse_url), None, async_insert=False)
    yield store
    store.close()


def test_the_engine_parses_every_cluster_statement(engine: client.ClickHouse) -> None:
    for sql in schema.ddl(CLUSTER):
        formatted = engine.value("SELECT formatQuery({sql:String})", {"sql": sql})
        assert "ON CLUSTER tracehouse" in formatted, formatted
