"""Retention by partition drops: a month partition (rows by their first write, `created_at`)
in which every row is past its retention goes whole, with `DROP PARTITION` (instant, the space
back at once), before the row-by-row lightweight `DELETE`s of the rest (`purge`).

A row is past its retention when it is test data written before the test-data cutoff, or its
project keeps `retention_days` and it started (scores: was given) before that cutoff: exactly
what the lightweight purge deletes, so a dropped partition holds nothing the purge would keep.
Each table is judged on its own rows; a trace's model calls and search rows share its
partition (they carry its first write) and go with it. The dropped traces are counted out of
the roll-ups first, as a purge counts them (`rollups.subtract`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracehouse.store.clickhouse import rollups, search_schema
from tracehouse.store.clickhouse.schema import latest

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

#: The time each table's retention is measured on.
TIMES = {"traces": "start_time", "observations": "start_time", "scores": "timestamp"}
#: A partition id as ClickHouse writes them (`toYYYYMM`: digits).
_PARTITION_ID = re.compile(r"[0-9A-Za-z_-]+")
#: No retention: no row is ever before it.
_NEVER = -(2**63)


@dataclass(frozen=True)
class Cutoffs:
    """Test data written before `test` (µs) and each retained project's rows before its
    cutoff (project rowid → µs) are past their retention."""

    test: int
    projects: Mapping[int, int]

    def expired(self, table: str) -> str:
        """The condition on a row of `table` (parameters of `params`)."""
        time = TIMES[table]
        return (
            "(is_test AND created_at < {test:Int64}) OR "
            f"{time} < transform(project_rowid, {{ids:Array(Int64)}}, "
            f"{{cutoffs:Array(Int64)}}, toInt64({_NEVER}))"
        )

    @property
    def params(self) -> dict[str, object]:
        ids = sorted(self.projects)
        return {"test": self.test, "ids": ids, "cutoffs": [self.projects[i] for i in ids]}


def expired_partitions(ch: ClickHouse, table: str, cutoffs: Cutoffs) -> list[str]:
    """The partition ids of `table` whose every row, of any version, is past its retention."""
    sql = (
        f"SELECT _partition_id AS part FROM {ch.layout.table(table)} GROUP BY part "
        f"HAVING countIf(NOT ({cutoffs.expired(table)})) = 0 ORDER BY part"
    )
    return [str(row["part"]) for row in ch.rows(sql, cutoffs.params)]


@dataclass
class Dropped:
    """What partition drops took: traces, observations, scores, and the projects of the
    traces."""

    traces: int = 0
    observations: int = 0
    scores: int = 0
    projects: set[int] = field(default_factory=set)


def drop_expired(ch: ClickHouse, cutoffs: Cutoffs) -> Dropped:
    """Drop every partition past its retention (traces with their model calls and search
    rows, observations, scores)."""
    out = Dropped()
    for table in TIMES:
        for part in expired_partitions(ch, table, cutoffs):
            setattr(out, table, getattr(out, table) + _current_rows(ch, table, part))
            if table == "traces":
                out.projects |= _subtract(ch, part)
                for name in ("trace_model_calls", *search_schema.TABLES):
                    drop(ch, name, part)
            drop(ch, table, part)
    return out


def _current_rows(ch: ClickHouse, table: str, part: str) -> int:
    sql = (
        f"SELECT count() FROM {ch.layout.table(table)} FINAL WHERE _partition_id = {{part:String}}"
    )
    return int(ch.value(sql, {"part": part}) or 0)


def _subtract(ch: ClickHouse, part: str) -> set[int]:
    """Count the partition's traces out of their projects' roll-ups; those projects."""
    params: dict[str, object] = {"part": part}
    table = ch.layout.table("traces")
    found = ch.rows(
        f"SELECT DISTINCT project_rowid AS p FROM {table} WHERE _partition_id = {{part:String}}",
        params,
    )
    for row in found:
        where = "_partition_id = {part:String} AND project_rowid = {only:Int64}"
        source = latest(ch.layout, "traces", where)
        chosen = {**params, "only": row["p"]}
        rollups.subtract(ch, int(row["p"]), rollups.states(ch, source, chosen))
    return {int(row["p"]) for row in found}


def drop(ch: ClickHouse, name: str, part: str) -> None:
    """`DROP PARTITION ID` of one table (its local tables on a cluster)."""
    if not _PARTITION_ID.fullmatch(part):  # ids are ClickHouse's own; never quoted SQL
        raise ValueError(f"not a partition id: {part!r}")
    layout = ch.layout
    ch.command(f"ALTER TABLE {layout.local(name)}{layout.on_cluster} DROP PARTITION ID '{part}'")
