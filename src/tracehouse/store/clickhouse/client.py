"""One small client over clickhouse-connect: a server, or chDB in this process (the same
client class, `chdb://` selects clickhouse-connect's chDB backend).

Acknowledged means durable: every insert is synchronous, or asynchronous with
`wait_for_async_insert=1`, so it returns only once ClickHouse has the rows; each carries an
`insert_deduplication_token`, so a retried insert is not stored twice.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import clickhouse_connect
import orjson
from clickhouse_connect.driver.client import Client

from tracehouse.store.clickhouse import resort, rollups, schema, search_schema
from tracehouse.store.clickhouse.url import Target

log = logging.getLogger(__name__)

#: Settings of every query: answers on the wire as the relational store gives them.
_QUERY_SETTINGS: dict[str, Any] = {"join_use_nulls": 1}


def insert_settings(*, cluster: bool, async_insert: bool) -> dict[str, Any]:
    """The settings of the write path's inserts (see the module docstring)."""
    settings: dict[str, Any] = {}
    if async_insert:
        settings |= {"async_insert": 1, "wait_for_async_insert": 1}
    if cluster:
        # every replica of a shard has the block before the insert returns, and the
        # Distributed table forwards it to the shard synchronously
        settings |= {
            "insert_quorum": "auto",
            "insert_quorum_parallel": 1,
            "distributed_foreground_insert": 1,
        }
    return settings


class ClickHouse:
    """The trace store's connection: the client, where the tables are, how to insert."""

    def __init__(self, client: Client, layout: schema.Layout, inserts: Mapping[str, Any]):
        self.client = client
        self.layout = layout
        self._inserts = dict(inserts)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a query as dicts (parameters bound server side: `{name:Type}`)."""
        result = self.client.query(sql, parameters=dict(params or {}), settings=_QUERY_SETTINGS)
        return list(result.named_results())

    def value(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row (None without rows)."""
        rows = self.client.query(sql, parameters=dict(params or {})).result_rows
        return rows[0][0] if rows else None

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.client.command(sql, parameters=dict(params or {}) or None)

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert whole rows into a trace table; returns once ClickHouse accepted them."""
        columns, types = _columns(name)
        self.insert_rows(name, columns, types, rows)

    def insert_rows(
        self,
        name: str,
        columns: Sequence[str],
        types: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Insert rows (dicts) into table `name` with these columns and their types; returns
        once ClickHouse accepted them. Sent column by column (clickhouse-connect writes Native
        columns without pivoting rows)."""
        if not rows:
            return
        data = [[row.get(column) for row in rows] for column in columns]
        settings = {**self._inserts, "insert_deduplication_token": _token(name, data)}
        self.client.insert(
            self.layout.table(name).replace("`", "").split(".", 1)[1],
            data,
            column_names=list(columns),
            column_type_names=list(types),
            column_oriented=True,
            database=self.layout.database,
            settings=settings,
        )

    def create_schema(self) -> None:
        for statement in [
            *schema.ddl(self.layout),
            *search_schema.ddl(self.layout),
            *rollups.ddl(self.layout),
        ]:
            self.client.command(statement)
        resort.resort(self)

    def close(self) -> None:
        self.client.close()


@functools.cache
def _columns(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The table's insert columns and their ClickHouse types (computed once)."""
    return tuple(schema.columns_of(name)), tuple(schema.type_names(name))


def _token(name: str, data: Sequence[Sequence[Any]]) -> str:
    """The block's deduplication token: its table and content (versions included, so only a
    retry of this very insert matches it)."""
    digest = hashlib.blake2b(name.encode(), digest_size=16)
    digest.update(orjson.dumps(data, default=repr))
    return digest.hexdigest()


def connect(target: Target) -> Client:
    """A clickhouse-connect client for the target (the database is created by the schema)."""
    if target.path is not None:
        target.path.mkdir(parents=True, exist_ok=True)
        return clickhouse_connect.get_client(interface="chdb", path=str(target.path))
    return clickhouse_connect.get_client(
        host=target.host,
        port=target.port,
        username=target.username,
        password=target.password,
        secure=target.secure,
        autogenerate_session_id=False,
    )


def open_clickhouse(target: Target, cluster: str | None, *, async_insert: bool) -> ClickHouse:
    """Connect and create the schema if it is not there yet (every statement is idempotent)."""
    layout = schema.Layout(database=target.database, cluster=cluster)
    inserts = insert_settings(cluster=cluster is not None, async_insert=async_insert)
    store = ClickHouse(connect(target), layout, inserts)
    store.create_schema()
    rollups.reconcile(store)
    return store
