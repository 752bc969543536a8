"""Copying a relational deployment's traces, observations, scores and model calls into
ClickHouse: in batches by row id, resumable (a cursor per table in `server_settings`),
idempotent (each batch is the same insert on a re-run, so ClickHouse drops it by its
deduplication token, and equal versions of a key collapse), verified by counts per project.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, delete, func, select

from tracehouse.clock import now_us
from tracehouse.store.clickhouse import rowids
from tracehouse.store.clickhouse.schema import VERSION, latest
from tracehouse.store.tables import observations, scores, server_settings, trace_model_calls, traces
from tracehouse.store.upsert import upsert

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse
    from tracehouse.store.engine import Database

#: The tables copied, in order, with their row id column (`trace_model_calls` travel with
#: their traces).
TABLES: dict[str, tuple[Table, str]] = {
    "traces": (traces, "trace_rowid"),
    "observations": (observations, "observation_rowid"),
    "scores": (scores, "score_rowid"),
}
#: The tables whose counts are verified.
VERIFIED = (*TABLES, "trace_model_calls")
_CURSOR = "clickhouse_copy:"


def cursor_name(table: str) -> str:
    """The `server_settings` row keeping how far `table` was copied."""
    return _CURSOR + table


def read_cursor(conn: Connection, table: str, target: str) -> int:
    """The last row id of `table` copied to `target` (0: nothing yet, or another target)."""
    query = select(server_settings.c.value).where(server_settings.c.name == cursor_name(table))
    stored = conn.execute(query).scalar()
    if stored is None:
        return 0
    state = json.loads(stored)
    return int(state["after"]) if state.get("target") == target else 0


def save_cursor(conn: Connection, table: str, target: str, after: int) -> None:
    value = json.dumps({"after": after, "target": target})
    row = {"name": cursor_name(table), "value": value, "created_at": now_us()}
    upsert(conn, server_settings, [row], ["name"], replace=["value", "created_at"])


def clear_cursors(conn: Connection) -> None:
    """Forget every table's progress: the next copy starts from the first row."""
    conn.execute(delete(server_settings).where(server_settings.c.name.startswith(_CURSOR)))


def remaining(conn: Connection, table: str, after: int) -> int:
    """Rows of `table` after the cursor."""
    source, rowid = TABLES[table]
    query = select(func.count()).select_from(source).where(source.c[rowid] > after)
    return int(conn.execute(query).scalar_one())


def next_batch(conn: Connection, table: str, after: int, size: int) -> list[dict[str, Any]]:
    """The next `size` rows of `table` after the cursor, in row id order."""
    source, rowid = TABLES[table]
    query = select(source).where(source.c[rowid] > after).order_by(source.c[rowid]).limit(size)
    return [dict(row) for row in conn.execute(query).mappings()]


def for_clickhouse(table: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relational rows as ClickHouse holds them: the row id is the hash of (project, id), and
    the version is the row's last update (any later write gets a higher one)."""
    rowid = TABLES[table][1]
    return [
        {
            **row,
            rowid: rowids.rowid(row["project_rowid"], row["id"]),
            VERSION: row["updated_at"],
        }
        for row in rows
    ]


def model_calls_of(conn: Connection, trace_rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `trace_model_calls` rows of a batch of (relational) trace rows, for ClickHouse."""
    by_rowid = {row["trace_rowid"]: row for row in trace_rows}
    query = select(trace_model_calls).where(trace_model_calls.c.trace_rowid.in_(list(by_rowid)))
    out = []
    for call in conn.execute(query).mappings():
        trace = by_rowid[call["trace_rowid"]]
        out.append(
            {
                **call,
                "trace_rowid": rowids.rowid(trace["project_rowid"], trace["id"]),
                "project_rowid": trace["project_rowid"],
                "created_at": trace["created_at"],
                VERSION: trace["updated_at"],
            }
        )
    return out


@dataclass
class Copier:
    """Copies one table after another; `target` names where to (the cursors are per target)."""

    db: Database
    clickhouse: ClickHouse
    target: str
    batch_size: int = 5000

    def remaining(self, table: str) -> int:
        with self.db.reader.connect() as conn:
            return remaining(conn, table, read_cursor(conn, table, self.target))

    def copy_table(self, table: str, advance: Callable[[int], None]) -> int:
        """Copy the rows after the cursor, batch by batch, moving the cursor after each; the
        number of rows copied."""
        copied = 0
        while True:
            count = self.copy_batch(table)
            if not count:
                return copied
            copied += count
            advance(count)

    def copy_batch(self, table: str) -> int:
        """Copy the next batch; the cursor moves only once ClickHouse has accepted it."""
        with self.db.reader.connect() as conn:
            after = read_cursor(conn, table, self.target)
            rows = next_batch(conn, table, after, self.batch_size)
            calls = model_calls_of(conn, rows) if table == "traces" and rows else []
        if not rows:
            return 0
        self.clickhouse.insert(table, for_clickhouse(table, rows))
        self.clickhouse.insert("trace_model_calls", calls)
        with self.db.writer.begin() as conn:
            save_cursor(conn, table, self.target, rows[-1][TABLES[table][1]])
        return len(rows)


@dataclass(frozen=True)
class Count:
    """Rows of one table of one project on both sides."""

    table: str
    project_rowid: int
    relational: int
    clickhouse: int

    @property
    def status(self) -> str:
        """`ok`, `missing` (rows not in ClickHouse) or `extra` (written there since)."""
        if self.clickhouse == self.relational:
            return "ok"
        return "missing" if self.clickhouse < self.relational else "extra"


def relational_counts(conn: Connection, table: str) -> dict[int, int]:
    """{project: rows} of a relational table (model calls: those with calls)."""
    if table == "trace_model_calls":
        joined = trace_model_calls.join(traces)
        query = (
            select(traces.c.project_rowid, func.count())
            .select_from(joined)
            .where(trace_model_calls.c.calls > 0)
            .group_by(traces.c.project_rowid)
        )
    else:
        source = TABLES[table][0]
        query = select(source.c.project_rowid, func.count()).group_by(source.c.project_rowid)
    return {int(project): int(n) for project, n in conn.execute(query).all()}


def clickhouse_counts(ch: ClickHouse, table: str) -> dict[int, int]:
    """{project: rows} of a ClickHouse table, each key counted once (its latest version; model
    calls: those with calls, as a model leaving a trace leaves a row of zeros)."""
    if table == "trace_model_calls":
        inner = latest(ch.layout, table, "1", "project_rowid, calls")
        sql = f"SELECT project_rowid, count() FROM ({inner}) WHERE calls > 0 GROUP BY 1"
    else:
        sql = f"SELECT project_rowid, uniqExact(id) FROM {ch.layout.table(table)} GROUP BY 1"
    return {int(row[0]): int(row[1]) for row in ch.client.query(sql).result_rows}


def verify(db: Database, ch: ClickHouse) -> list[Count]:
    """Per table and project, the rows on each side."""
    counts = []
    for table in VERIFIED:
        with db.reader.connect() as conn:
            mine = relational_counts(conn, table)
        theirs = clickhouse_counts(ch, table)
        for project in sorted(set(mine) | set(theirs)):
            counts.append(Count(table, project, mine.get(project, 0), theirs.get(project, 0)))
    return counts
