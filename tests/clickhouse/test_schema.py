"""The ClickHouse DDL (one node and a cluster), the insert settings, the URL and the settings
that choose ClickHouse, and the system-log config we ship."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import ValidationError

from tracehouse.config import Settings
from tracehouse.store.clickhouse import client, schema, systemlogs
from tracehouse.store.clickhouse.url import parse
from tracehouse.store.tables import observations, traces

CLUSTER = schema.Layout(database="th", cluster="three")


def test_single_node_tables_replace_by_version_and_mirror_the_relational_columns() -> None:
    statements = schema.ddl(schema.Layout())
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS `tracehouse`"
    create = next(s for s in statements if "`tracehouse`.`traces`" in s)
    assert "ENGINE = ReplacingMergeTree(_version)" in create
    # sorted by first day within the project, so time ranges skip the other days' granules
    assert "ORDER BY (project_rowid, toDate(fromUnixTimestamp64Micro(created_at)), id)" in create
    assert "INDEX ix_id id TYPE bloom_filter" in create
    assert "ON CLUSTER" not in " ".join(statements)
    for column in traces.columns:
        assert f"`{column.name}` " in create
    assert schema.columns_of("observations")[: len(observations.columns)] == [
        c.name for c in observations.columns
    ]
    assert "`input` Nullable(String) CODEC(ZSTD(3))" in create
    assert "`start_time` Int64 CODEC(Delta, ZSTD(1))" in create


def test_cluster_tables_are_replicated_on_cluster_behind_distributed_tables() -> None:
    statements = schema.ddl(CLUSTER)
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS `th` ON CLUSTER `three`"
    for name in schema.SPECS:
        local = next(s for s in statements if f"TABLE IF NOT EXISTS `th`.`{name}_local`" in s)
        assert "ON CLUSTER `three`" in local
        assert (
            f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/th/{name}_local', "
            "'{replica}', _version)" in local
        )
        front = next(s for s in statements if f"TABLE IF NOT EXISTS `th`.`{name}` " in s)
        assert f"ENGINE = Distributed(`three`, `th`, `{name}_local`, " in front
    observations_front = next(s for s in statements if "`th`.`observations` ON" in s)
    # every version of a trace's observations on one shard
    assert observations_front.endswith("cityHash64(project_rowid, trace_id))")
    assert CLUSTER.local("traces") == "`th`.`traces_local`"
    assert CLUSTER.table("traces") == "`th`.`traces`"


def test_cluster_inserts_wait_for_a_quorum_and_async_inserts_for_their_flush() -> None:
    assert client.insert_settings(cluster=False, async_insert=False) == {}
    quorum = client.insert_settings(cluster=True, async_insert=False)
    assert quorum["insert_quorum"] == "auto"
    assert quorum["distributed_foreground_insert"] == 1
    waited = client.insert_settings(cluster=False, async_insert=True)
    assert waited == {"async_insert": 1, "wait_for_async_insert": 1}


def test_system_logs_are_kept_short_or_off() -> None:
    root = ET.fromstring(systemlogs.config_xml())
    assert root.find("query_log/ttl").text == "event_date + INTERVAL 3 DAY DELETE"  # type: ignore[union-attr]
    assert root.find("trace_log").get("remove") == "1"  # type: ignore[union-attr]


def test_urls() -> None:
    embedded = parse("chdb:///var/lib/th/ch?database=traces")
    assert (embedded.path, embedded.database, embedded.embedded) == (
        Path("/var/lib/th/ch"),
        "traces",
        True,
    )
    server = parse("https://u:p%40ss@ch.example.com/th")
    assert (server.host, server.port, server.secure, server.password, server.database) == (
        "ch.example.com",
        8443,
        True,
        "p@ss",
        "th",
    )
    assert parse("http://ch:8123").database == "tracehouse"
    for bad in ("mysql://x", "chdb://", "http:///db"):
        with pytest.raises(ValueError):
            parse(bad)


def test_settings_refuse_a_cluster_without_a_server(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs a ClickHouse server"):
        Settings(clickhouse_url=f"chdb://{tmp_path}", clickhouse_cluster="c")
    with pytest.raises(ValidationError, match="CLICKHOUSE_URL"):
        Settings(clickhouse_cluster="c")
    with pytest.raises(ValidationError, match="must start with"):
        Settings(clickhouse_url="ftp://x")
    assert Settings().clickhouse_target is None
