"""Trace tables created with an older sort rebuilt in the current one when the store opens.

ClickHouse cannot change a table's `ORDER BY` in place (only append new columns to it), so a
table whose sort differs from `schema.SPECS` (the traces before they sorted by their first
day) is copied into a new table with the current DDL (every row, whatever its version), then
swapped in (`EXCHANGE TABLES`, atomic) and the old one dropped. Reads are correct in either
sort; the current one is faster for time ranges (docs/clickhouse.md, "Sort keys"). On a
cluster the copy has to run on every shard: the store logs what to do instead
(docs/clickhouse.md gives the statements)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tracehouse.store.clickhouse.schema import SPECS, columns_of, create_table

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_log = logging.getLogger(__name__)
#: The suffix of a rebuild's new table (left over by an interrupted rebuild: dropped first).
SUFFIX = "__resorted"


def sorting_key(ch: ClickHouse, name: str) -> str | None:
    """The table's sort as ClickHouse reports it (None: no such table)."""
    suffix = "_local" if ch.layout.cluster else ""
    sql = (
        "SELECT sorting_key FROM system.tables "
        "WHERE database = {database:String} AND name = {name:String}"
    )
    found = ch.value(sql, {"database": ch.layout.database, "name": name + suffix})
    return None if found is None else str(found)


def outdated(ch: ClickHouse, name: str) -> bool:
    """The table exists with another sort than `SPECS[name]`'s."""
    key = sorting_key(ch, name)
    return key is not None and _plain(key) != _plain(", ".join(SPECS[name].sort))


def _plain(key: str) -> str:
    return "".join(key.split())


def resort(ch: ClickHouse) -> list[str]:
    """Rebuild each outdated table (one node; logged on a cluster); the tables rebuilt."""
    done = []
    for name in SPECS:
        if not outdated(ch, name):
            continue
        if ch.layout.cluster:
            _log.warning(
                "ClickHouse table %s sorts by an older key; reads stay correct, but rebuild it "
                "on every shard as docs/clickhouse.md (Sort keys) shows",
                name,
            )
            continue
        rebuild(ch, name)
        done.append(name)
    return done


def rebuild(ch: ClickHouse, name: str) -> None:
    """Copy the table into one with the current DDL and swap them (one node)."""
    layout, new = ch.layout, name + SUFFIX
    columns = ", ".join(f"`{c}`" for c in columns_of(name))
    _log.info("rebuilding ClickHouse table %s in its current sort", name)
    ch.command(f"DROP TABLE IF EXISTS {layout.local(new)}")
    ch.command(create_table(layout, name, new))
    ch.command(
        f"INSERT INTO {layout.local(new)} ({columns}) SELECT {columns} FROM {layout.local(name)}"
    )
    ch.command(f"EXCHANGE TABLES {layout.local(name)} AND {layout.local(new)}")
    ch.command(f"DROP TABLE {layout.local(new)}")
